"""Lab results in (issue: testing and mass screening): validation by row and field, all or
nothing, re-sends change nothing; positive pools recall their members, antigen positives ask
for PCR confirmation, single-tube positives become cases found inside or outside control."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cities import SCREENING_CITY
from conftest import City
from paths import DATA
from shoutu.cli.app import app
from shoutu.errors import InputError
from shoutu.events.store import read_events
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.screening.lab_results import import_results
from shoutu.services.simulation.importer import import_simulation
from shoutu.store.tables import Case, ControlMeasure, Task, table

HEADER = (
    "sample_id,tube_id,pool_size,person_id,sample_time,result_time,method,result,ct_n,ct_orf1ab"
)
GOOD = [
    # a pool of 4 (of 5) positive: 1001-1004 recalled
    "S1,T1,5,1001,2022-04-01T08:00:00,2022-04-01T14:00:00,pcr,positive,31.0,32.1",
    "S2,T1,5,1002,2022-04-01T08:01:00,2022-04-01T14:00:00,pcr,positive,31.0,32.1",
    "S3,T1,5,1003,2022-04-01T08:02:00,2022-04-01T14:00:00,pcr,positive,31.0,32.1",
    "S4,T1,5,1004,2022-04-01T08:03:00,2022-04-01T14:00:00,pcr,positive,31.0,32.1",
    # 1005's antigen self-test is positive
    "S5,,1,1005,2022-04-01T09:00:00,2022-04-01T09:15:00,antigen,positive,,",
    # single tubes: 1001 positive, 1002 negative, 1003 positive, 1005 positive
    "S6,T2,1,1001,2022-04-01T18:00:00,2022-04-01T22:00:00,pcr,positive,27.5,28.4",
    "S7,T3,1,1002,2022-04-01T18:05:00,2022-04-01T22:00:00,pcr,negative,,",
    "S8,T4,1,1003,2022-04-01T18:10:00,2022-04-01T22:00:00,pcr,positive,29.0,30.2",
    "S9,T5,1,1005,2022-04-01T12:00:00,2022-04-01T16:00:00,pcr,positive,24.0,25.0",
]


def _registry(ctx: ServiceContext, tmp_path: Path) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    measures = tmp_path / "measures.csv"
    measures.write_text(  # 1003 is in home quarantine from 31 March
        "measure_id,person_id,kind,status,reason,start_time,protocol\n"
        "1,1003,home,active,close contact of case 7,2022-03-31T12:00:00,cn-9th-2022\n"
    )
    import_file(ctx, "control_measures", measures)


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def _count(ctx: ServiceContext, entity: type) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table(entity))).scalar_one())


def test_pooled_workflow(ctx: ServiceContext, tmp_path: Path) -> None:
    _registry(ctx, tmp_path)
    batch = import_results(ctx, _write(tmp_path, "results.csv", GOOD))
    assert (batch.rows, batch.new, batch.already_stored) == (9, 9, 0)
    assert batch.workflow == {
        "recalls": 4,
        "confirmations": 1,
        "tasks_done": 4,  # 1001, 1002, 1003 re-sampled; 1005 confirmed
        "released": 1,  # 1002's negative ends the temporary control
        "cases": 3,
        "quarantine_tests_done": 0,  # 1003's imported episode has no test days
        "converted": 1,  # 1003's home quarantine ends: converted to a case
        "isolations_opened": 3,  # each new case is isolated (cn-9th: release tests days 6, 7)
        "release_tests": 6,
        "quarantines_converted": 0,  # 1003's was converted by its positive already
        "symptom_tests_done": 0,
    }
    with ctx.engine.connect() as conn:
        cases = {r.person_id: r for r in conn.execute(select(table(Case))).all()}
        tasks = conn.execute(select(table(Task))).mappings().all()
        temporary = (
            conn.execute(
                select(table(ControlMeasure)).where(table(ControlMeasure).c.kind == "temporary")
            )
            .mappings()
            .all()
        )
    assert set(cases) == {1001, 1003, 1005}
    assert cases[1001].channel == "mass_screening" and not cases[1001].found_in_control
    assert cases[1003].channel == "mass_screening" and cases[1003].found_in_control  # 管控内
    assert cases[1005].channel == "antigen_self_test" and not cases[1005].found_in_control
    assert cases[1001].classification == "asymptomatic" and cases[1001].origin == "unknown"
    resample = [t for t in tasks if t["kind"] == "resample"]
    assert len(resample) == 4
    # due within the protocol's pool_recall_hours (6 h in cn-9th-2022) of the pool's result
    assert {(t["due_time"] - resample[0]["due_time"]).total_seconds() for t in resample} == {0}
    open_ = {t["subject_id"] for t in resample if t["status"] == "open"}
    assert open_ == {"1004"}  # 1004 has not been re-sampled yet
    assert sum(t["kind"] == "report" for t in tasks) == 3
    assert len(temporary) == 4 and sum(m["end_time"] is not None for m in temporary) == 1
    # a re-send changes nothing
    again = import_results(ctx, _write(tmp_path, "again.csv", GOOD))
    assert (again.new, again.already_stored, again.workflow) == (0, 9, {})
    assert read_events(ctx.settings.event_dir, "tests").num_rows == 9
    assert _count(ctx, Task) == len(tasks) and _count(ctx, Case) == 3


BAD = {
    "unknown person": (
        "S1,T1,1,4242,2022-04-01T08:00,2022-04-01T14:00,pcr,negative,,",
        1,
        "person_id",
    ),
    "pool overflow": (
        "S2,T9,1,1001,2022-04-01T08:00,2022-04-01T14:00,pcr,negative,,",
        2,
        "tube_id",
    ),
    "early result": (
        "S3,T3,1,1002,2022-04-01T08:00,2022-04-01T07:00,pcr,negative,,",
        3,
        "result_time",
    ),
    "ct range": ("S4,T4,1,1003,2022-04-01T08:00,2022-04-01T14:00,pcr,positive,51,30", 4, "ct_n"),
    "ct missing": (
        "S5,T5,1,1004,2022-04-01T08:00,2022-04-01T14:00,pcr,positive,30,",
        5,
        "ct_orf1ab",
    ),
    "duplicate": ("S6,T6,1,1005,2022-04-01T08:00,2022-04-01T14:00,pcr,negative,,", 6, "sample_id"),
}


def test_bad_batch_is_reported_and_writes_nothing(ctx: ServiceContext, tmp_path: Path) -> None:
    _registry(ctx, tmp_path)
    lines = [line for line, _, _ in BAD.values()]
    lines.append("S9,T9,1,1002,2022-04-01T08:00,2022-04-01T14:00,pcr,negative,,")  # T9 holds 2
    lines.append("S6,T7,1,1005,2022-04-01T08:00,2022-04-01T14:00,pcr,positive,25,26")  # S6 again
    lines.append("S10,T10,2,1001,2022-04-01T08:00,2022-04-01T14:00,pcr,positive,30,31")
    lines.append("S11,T10,2,1002,2022-04-01T08:00,2022-04-01T14:00,pcr,negative,,")  # mixed
    with pytest.raises(InputError) as caught:
        import_results(ctx, _write(tmp_path, "bad.csv", lines))
    problems = {(p.row, p.field) for p in caught.value.report.problems}
    for name, (_, row, field) in BAD.items():
        assert (row, field) in problems, name
    assert (8, "sample_id") in problems and (7, "tube_id") in problems
    reasons = " | ".join(p.reason for p in caught.value.report.problems)
    assert "unknown person" in reasons and "more than its pool size 1" in reasons
    assert "members of tube T10 have different results" in reasons
    assert caught.value.report.problems[0].line == caught.value.report.problems[0].row + 1
    assert read_events(ctx.settings.event_dir, "tests").num_rows == 0
    assert _count(ctx, Task) == 0
    # a sample stored before cannot come back with another result
    import_results(ctx, _write(tmp_path, "first.csv", [GOOD[6]]))
    flipped = GOOD[6].replace("negative", "invalid")
    with pytest.raises(InputError, match="1 problem"):
        import_results(ctx, _write(tmp_path, "flipped.csv", [flipped]))


def test_simulator_results_through_the_cli(
    ctx: ServiceContext, city: City, cli_env: dict[str, str]
) -> None:
    """The simulator's tests.parquet, as is: every row stored once; its positive pools become
    recalls; a re-send changes nothing."""
    out = city(**SCREENING_CITY)
    import_simulation(ctx, out)
    tests = pq.read_table(out / "tests.parquet")
    runner = CliRunner()
    first = runner.invoke(app, ["import", "results", str(out / "tests.parquet"), "--json"])
    assert first.exit_code == 0, first.output
    result = json.loads(first.stdout)["result"]
    assert result["rows"] == result["new"] == tests.num_rows
    pooled = tests.filter(
        (tests["pool_size"].to_numpy() > 1)
        & (tests["result"].to_numpy(zero_copy_only=False) == "positive")
    )
    assert result["workflow"].get("recalls", 0) == len(set(pooled["person_id"].to_pylist()))
    again = runner.invoke(app, ["import", "results", str(out / "tests.parquet"), "--json"])
    assert json.loads(again.stdout)["result"]["new"] == 0
    assert read_events(ctx.settings.event_dir, "tests").num_rows == tests.num_rows


def test_the_recall_list_of_positive_pools(ctx: ServiceContext, tmp_path: Path) -> None:
    """The lab's recall list: the positive pool of 4 with 3 re-sampled and 1 open (late once
    its due time has passed), no person named; a lab outside the district sees nothing."""
    import datetime as dt

    from shoutu.domain.access import ROLE_RIGHTS, Jurisdiction, Principal
    from shoutu.domain.vocabulary import Role
    from shoutu.services.screening.recalls import recall_list

    _registry(ctx, tmp_path)
    import_results(ctx, _write(tmp_path, "results.csv", GOOD))
    (pool,) = recall_list(ctx, days=36_500)  # the 2022 pool, seen from today
    assert (pool["members"], pool["resampled"], pool["open"], pool["not_done"]) == (4, 3, 1, 0)
    assert pool["late"] == 1  # the 6 hours of pool_recall_hours are long past
    before = recall_list(ctx, now=pool["due"] - dt.timedelta(minutes=1))
    assert before[0]["late"] == 0
    assert recall_list(ctx, now=pool["opened"] + dt.timedelta(days=15)) == []  # 14 days shown
    assert not any(k.startswith("person") or k.startswith("subject") for k in pool)

    def lab(view: str) -> ServiceContext:
        rights = ROLE_RIGHTS[Role.LAB]
        return ctx.acting_as(Principal("lab", rights, view=Jurisdiction((view,)), role=Role.LAB))

    assert recall_list(lab("310101"), days=36_500) == [pool]
    assert recall_list(lab("310104"), days=36_500) == []
