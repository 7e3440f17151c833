"""Concurrent writers (the house issue): eight workers — processes on SQLite, connections on
PostgreSQL — create cases from results, tasks and signals at once. No duplicate ids, no lost
rows, no "database is locked" reaching a caller. Rows with given ids (imports) and generated
ones mix without clashes on both backends."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pytest
from sqlalchemy import func, select

from paths import DATA
from shoutu.analytics.detectors.methods import METHODS
from shoutu.domain.vocabulary import TaskKind
from shoutu.io.tables import InputTable
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext, open_context
from shoutu.services.registry.imports.batch import import_table
from shoutu.services.registry.imports.specs import SPECS
from shoutu.services.screening.pooled_workflow import run_workflow
from shoutu.services.supervision.tasks import NewTask, open_tasks
from shoutu.services.surveillance.signals import DetectorConfig, _record
from shoutu.settings import Settings
from shoutu.store.tables import Case, ControlMeasure, Signal, Task, table

WORKERS = 8
ROUNDS = 5  # transactions per worker and kind
PER_ROUND = 6  # cases (and tasks, signals) per transaction
T0 = dt.datetime(2022, 3, 20, 2, 0, tzinfo=dt.UTC)
UTC = pa.timestamp("us", tz="UTC")
assert "ears-c2" in METHODS


def _people(ctx: ServiceContext) -> None:
    from shoutu.io.tables import read_table

    import_table(ctx, SPECS["regions"], read_table(DATA / "regions.csv"))
    rows = [
        {"person_id": p, "home_region_code": "3101010020010001", "synthetic": True}
        for p in range(1, WORKERS * ROUNDS * PER_ROUND + 11)
    ]
    import_table(ctx, SPECS["people"], InputTable.from_records("people", rows))


def _positives(people: list[int], tag: str) -> pa.Table:
    n = len(people)
    return pa.table(
        {
            "sample_id": [f"{tag}-{p}" for p in people],
            "tube_id": [f"{tag}-{p}" for p in people],
            "pool_size": pa.array([1] * n, pa.int32()),
            "person_id": pa.array(people, pa.int64()),
            "sample_time": pa.array([T0] * n, UTC),
            "result_time": pa.array([T0 + dt.timedelta(hours=5)] * n, UTC),
            "method": ["pcr"] * n,
            "result": ["positive"] * n,
            "purpose": [None] * n,
        }
    )


def _work(settings: Settings, worker: int) -> dict[str, int]:
    """One worker: cases from results, tasks and signals, each in several transactions."""
    ctx = open_context(settings, migrate=False)
    try:
        protocol, _ = ctx.protocol()
        made = {"cases": 0, "tasks": 0, "signals": 0}
        for r in range(ROUNDS):
            first = 1 + (worker * ROUNDS + r) * PER_ROUND
            people = list(range(first, first + PER_ROUND))
            made["cases"] += run_workflow(ctx, _positives(people, f"w{worker}r{r}"))["cases"]
            with writing(ctx) as unit:
                ids = open_tasks(
                    unit,
                    protocol,
                    [
                        NewTask(TaskKind.OTHER, "people", p, f"worker {worker}", since=T0)
                        for p in people
                    ],
                )
            made["tasks"] += len(ids)
            counts = {"created": 0, "extended": 0}
            alarms = [(f"w{worker}-{r}-{k}", 9.0, 1.0, 4.0) for k in range(PER_ROUND)]
            detector = DetectorConfig("cases_report", "ears-c2")
            _record(ctx, protocol, detector, T0.date(), alarms, counts, raised=T0.date())
            made["signals"] += counts["created"]
        return made
    finally:
        ctx.close()


def _ids(ctx: ServiceContext, model: type, key: str) -> list[int]:
    with ctx.connect() as conn:
        return [int(v) for v in conn.execute(select(table(model).c[key])).scalars()]


def test_eight_concurrent_writers(ctx: ServiceContext, settings: Settings) -> None:
    _people(ctx)
    if settings.database_url.startswith("sqlite"):
        spawn = multiprocessing.get_context("spawn")
        with spawn.Pool(WORKERS) as pool:
            made = pool.starmap(_work, [(settings, w) for w in range(WORKERS)])
    else:
        with ThreadPoolExecutor(WORKERS) as pool:
            made = list(pool.map(lambda w: _work(settings, w), range(WORKERS)))
    expected = WORKERS * ROUNDS * PER_ROUND
    assert [m["cases"] for m in made] == [ROUNDS * PER_ROUND] * WORKERS
    cases = _ids(ctx, Case, "case_id")
    assert len(cases) == len(set(cases)) == expected
    tasks = _ids(ctx, Task, "task_id")
    # a report task per case, its isolation's two release tests (cn-9th: days 6 and 7), the
    # workers' own, a response task per signal
    assert len(tasks) == len(set(tasks)) == 5 * expected
    episodes = _ids(ctx, ControlMeasure, "measure_id")
    assert len(episodes) == len(set(episodes)) == expected  # each case's isolation
    signals = _ids(ctx, Signal, "signal_id")
    assert len(signals) == len(set(signals)) == expected
    from shoutu.services import audit

    chain = audit.verify(ctx)  # every writer's unit linked once, in an order that verifies
    assert chain.ok and chain.unlinked == 0 and chain.unchained == 0, chain.broken


def test_given_and_generated_ids_mix(ctx: ServiceContext) -> None:
    """Imports keep their ids; rows the platform makes afterwards get ids past them."""
    _people(ctx)
    given = [
        {
            "case_id": 500 + i,
            "person_id": 1 + i,
            "classification": "confirmed",
            "origin": "local",
            "channel": "fever_clinic",
            "found_in_control": False,
            "report_time": T0,
            "protocol": "cn-9th-2022",
        }
        for i in range(3)
    ]
    import_table(ctx, SPECS["cases"], InputTable.from_records("cases", given))
    measures = [
        {
            "measure_id": 900,
            "person_id": 20,
            "kind": "centralised",
            "status": "active",
            "reason": "close contact",
            "start_time": T0 - dt.timedelta(days=3),
            "protocol": "cn-9th-2022",
        }
    ]
    import_table(ctx, SPECS["control_measures"], InputTable.from_records("measures", measures))
    made = run_workflow(ctx, _positives([10, 11], "mix"))
    assert made["cases"] == 2
    cases = sorted(_ids(ctx, Case, "case_id"))
    assert cases[:3] == [500, 501, 502] and cases[3] > 502 and cases[4] > 502
    pooled = _positives([30, 31], "pool").set_column(2, "pool_size", pa.array([10, 10], pa.int32()))
    assert run_workflow(ctx, pooled)["recalls"] == 2  # two temporary-control measures
    measure_ids = sorted(_ids(ctx, ControlMeasure, "measure_id"))
    # the imported one, the two new cases' isolations and the two temporary controls
    assert measure_ids[0] == 900 and len(set(measure_ids)) == 5 and min(measure_ids[1:]) > 900
    with ctx.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table(Case))).scalar_one() == 5


def test_postgresql_sessions_run_without_jit(ctx: ServiceContext) -> None:
    """Short OLTP queries: JIT compilation (120 ms for a 2 ms case list) is off per session."""
    with ctx.connect() as conn:
        if conn.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
        assert conn.exec_driver_sql("SHOW jit").scalar() == "off"


def test_generated_rows_keep_the_columns_defaults(ctx: ServiceContext) -> None:
    """The bulk path of generated ids applies the columns' own defaults the rows leave out,
    as an SQLAlchemy insert does, and gives the ids in the rows' order."""
    from shoutu.services.registry.imports.specs import import_file
    from shoutu.store.repositories.entities import insert_generated
    from shoutu.store.tables import User

    import_file(ctx, "regions", DATA / "regions.csv")
    users = table(User)
    now = dt.datetime(2022, 4, 2, tzinfo=dt.UTC)
    rows = [
        {
            "username": name,
            "role": "observer",
            "scope": "310000000000",
            "view_scope": "310000000000",
            "password_hash": "x",
            "created_at": now,
            "updated_at": now,
            "updated_by": "test",
        }
        for name in ("b", "a", "c")
    ]
    with ctx.transaction() as conn:
        ids = insert_generated(conn, table=users, key="user_id", rows=rows)
    with ctx.connect() as conn:
        found = conn.execute(
            select(users.c.user_id, users.c.username, users.c.disabled, users.c.failed_logins)
        ).all()
    assert sorted(found) == [(i, n, False, 0) for i, n in zip(ids, ("b", "a", "c"), strict=True)]
