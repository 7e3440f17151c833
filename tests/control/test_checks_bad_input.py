"""`import checks` and `control check` given bad input: a bad file names every problem by row
and field, writes nothing, exits 1 and prints no traceback; re-importing a file changes
nothing; a report differing from the one stored at the same person and time is a problem on
its row (the first stands); the symptom lists parse whatever their separators and labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from test_checks import CONTACTS, controlled
from typer.testing import CliRunner

from shoutu.cli.app import app, main
from shoutu.domain.vocabulary import Symptom
from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext
from shoutu.services.control.checks import parse_symptoms
from shoutu.services.control.checks_import import import_checks
from shoutu.store.tables import HealthCheck, Task, table

assert CONTACTS  # the episodes the files below report under (cn-9th: from 2 July 09:00)

HEADER = "person_id,check_time,temperature,symptoms,channel\n"
GOOD = HEADER + (
    "1003,2022-07-03T08:00,36.6,,app\n"
    "1003,2022-07-03T20:00,37.4,,app\n"  # fever by cn-9th: a symptom test
    "1004,2022-07-03T08:10,36.5,咳嗽;fever,\n"  # a test symptom: a test (channel: import)
    "1004,2022-07-03T19:00,36.4,cough,phone\n"  # a test open already: none
    "1005,2022-07-03T08:00,36.7,,visit\n"
    "1005,2022-07-03T08:00,36.7,,visit\n"  # the same report twice: once
)
BAD = HEADER + (
    "1003,2022-07-03T08:00,36.6,,app\n"  # row 1: good
    "4242,2022-07-03T08:00,36.6,,app\n"  # row 2: no such person
    "1001,2022-07-03T08:00,36.6,,app\n"  # row 3: a case, not under control
    "1003,2022-07-01T20:00,36.6,,app\n"  # row 4: before 1003's episode began
    "1004,2022-07-03T08:00,45.0,,app\n"  # row 5: implausible temperature
    "1004,2022-07-03T09:00,hot,,app\n"  # row 6: not a number
    "1004,2022-07-03T10:00,36.6,cough;sneezing,app\n"  # row 7: unknown symptom
    "1004,2022-07-41T08:00,36.6,,app\n"  # row 8: no such day
    "1004,2022-07-03T11:00,36.6,,pigeon\n"  # row 9: no such channel
    "1003,2022-07-03T08:00,37.9,cough,app\n"  # row 10: row 1's time, other values
    "1005,2022-07-03T08:00,,,app\n"  # row 11: no temperature
)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def _count(ctx: ServiceContext, entity: type) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table(entity))).scalar_one())


def _created(ctx: ServiceContext) -> int:
    """Audit events of checks and tasks created so far."""
    return sum(
        e["action"] == "create"
        for entity in ("health_checks", "tasks")
        for e in recent(ctx, entity=entity, limit=1000)
    )


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_bad_rows_are_named_and_nothing_is_written(
    ctx: ServiceContext,
    cli_env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    controlled(ctx, tmp_path, "cn-9th-2022")
    tasks = _count(ctx, Task)
    path = _file(tmp_path, "bad.csv", BAD)
    code, out, err = _run(["import", "checks", str(path), "--json"], capsys)
    assert code == 1 and "Traceback" not in out + err
    problems = json.loads(out)["problems"]
    assert {(p["row"], p["field"]) for p in problems} == {
        (2, "person_id"),
        (3, "person_id"),
        (4, "person_id"),
        (5, "temperature"),
        (6, "temperature"),
        (7, "symptoms"),
        (8, "check_time"),
        (9, "channel"),
        (10, "temperature"),
        (10, "symptoms"),
        (11, "temperature"),
    }
    reasons = {(p["row"], p["field"]): p["reason"] for p in problems}
    assert reasons[3, "person_id"] == (
        "person 1001 is not under control at 2022-07-03T08:00:00+08:00"
    )
    assert "row 1" in reasons[10, "temperature"] and "36.6" in reasons[10, "temperature"]
    assert "sneezing" in reasons[7, "symptoms"]
    assert _count(ctx, HealthCheck) == 0 and _count(ctx, Task) == tasks
    # the human report names them too
    code, out, err = _run(["import", "checks", str(path)], capsys)
    assert code == 1 and "row 3" in err and "not under control" in err
    assert "Traceback" not in out + err
    missing = _file(tmp_path, "missing.csv", "person_id,check_time\n1003,2022-07-03T08:00\n")
    code, out, err = _run(["import", "checks", str(missing)], capsys)
    assert code == 1 and "temperature" in err and "Traceback" not in out + err


def test_a_file_is_recorded_once_and_a_different_report_is_refused(
    ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    episodes = controlled(ctx, tmp_path, "cn-9th-2022")
    runner = CliRunner()
    path = _file(tmp_path, "checks.csv", GOOD)
    done = runner.invoke(
        app, ["import", "checks", str(path), "--protocol", "cn-9th-2022", "--json"]
    )
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)["result"]
    assert (result["rows"], result["recorded"], result["unchanged"]) == (6, 5, 1)
    assert (result["calling_for_test"], result["symptom_tests_opened"]) == (3, 2)
    assert result["symptom_tests_already_open"] == 1
    with ctx.engine.connect() as conn:
        stored = conn.execute(select(table(HealthCheck))).mappings().all()
        tests = (
            conn.execute(select(table(Task)).where(table(Task).c.kind == "symptom_test"))
            .mappings()
            .all()
        )
    assert {(r["person_id"], r["measure_id"]) for r in stored} == {
        (p, episodes[p]) for p in (1003, 1004, 1005)
    }
    [morning] = [r for r in stored if r["person_id"] == 1004 and r["check_time"].minute == 10]
    assert morning["symptoms"] == ["fever", "cough"] and morning["channel"] == "import"
    assert sorted(int(t["subject_id"]) for t in tests) == sorted([episodes[1003], episodes[1004]])
    created = _created(ctx)
    # the same file again changes nothing
    again = runner.invoke(app, ["import", "checks", str(path), "--json"])
    assert again.exit_code == 0, again.output
    second = json.loads(again.stdout)["result"]
    assert (second["recorded"], second["unchanged"], second["symptom_tests_opened"]) == (0, 6, 0)
    assert _count(ctx, HealthCheck) == 5 and _count(ctx, Task) >= len(tests)
    with ctx.engine.connect() as conn:
        count = select(func.count()).where(table(Task).c.kind == "symptom_test")
        assert conn.execute(count).scalar_one() == len(tests)
    assert _created(ctx) == created
    # the same person and time with another temperature: a problem on that row
    other = _file(
        tmp_path,
        "other.csv",
        HEADER + "1005,2022-07-03T20:00,36.5,,app\n1003,2022-07-03T08:00,38.5,,app\n",
    )
    refused = runner.invoke(app, ["import", "checks", str(other), "--json"])
    assert refused.exit_code == 1
    [problem] = json.loads(refused.stdout)["problems"]
    assert (problem["row"], problem["field"]) == (2, "temperature")
    assert "36.6" in problem["reason"] and "first report stands" in problem["reason"]
    assert _count(ctx, HealthCheck) == 5  # nor is row 1 recorded
    # the human summary
    text = runner.invoke(app, ["import", "checks", str(path)])
    assert text.exit_code == 0 and "6 unchanged" in text.stdout


def test_control_check_on_the_command_line(
    ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    episodes = controlled(ctx, tmp_path, "cn-9th-2022")
    runner = CliRunner()
    args = ["control", "check", "1003", "--temperature", "37.9", "--symptoms", "cough,fever"]
    done = runner.invoke(app, [*args, "--time", "2022-07-03T08:00", "--json"])
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert shown["episode_id"] == episodes[1003] and shown["symptoms"] == ["fever", "cough"]
    assert shown["symptom_test"]["opened"] and shown["channel"] == "app"
    assert shown["check_time"] == "2022-07-03T08:00:00+08:00"
    text = runner.invoke(app, [*args, "--time", "2022-07-03T20:00", "--channel", "phone"])
    assert text.exit_code == 0, text.output
    assert "already open" in text.stdout
    for bad, code in (
        (["--temperature", "99.1"], 2),  # °F
        (["--symptoms", "sneezing"], 2),
        (["--time", "yesterday"], 2),
        (["--channel", "pigeon"], 2),
    ):
        given_args = [*args, "--time", "2022-07-04T08:00", *bad]
        refused = runner.invoke(app, given_args)
        assert refused.exit_code == code, (bad, refused.output)
    not_controlled = runner.invoke(
        app, ["control", "check", "1001", "--temperature", "36.5", "--time", "2022-07-03T08:00"]
    )
    assert not_controlled.exit_code == 5
    assert "person 1001 is not under control at 2022-07-03T08:00:00+08:00" in (
        not_controlled.output
    )


SEPARATORS = st.sampled_from([",", ";", "，", "；", "、", " , ", "; "])


@settings(deadline=None)
@given(
    chosen=st.lists(st.sampled_from(list(Symptom)), min_size=1, max_size=6),
    spelling=st.lists(st.sampled_from(["value", "en", "zh", "upper"]), min_size=6, max_size=6),
    separators=st.lists(SEPARATORS, min_size=6, max_size=6),
)
def test_symptom_lists_parse_whatever_their_separators_and_labels(
    chosen: list[Symptom], spelling: list[str], separators: list[str]
) -> None:
    def spelled(symptom: Symptom, how: str) -> str:
        return {
            "value": symptom.value,
            "en": symptom.en,
            "zh": symptom.zh,
            "upper": symptom.value.upper(),
        }[how]

    parts = [spelled(s, spelling[i]) for i, s in enumerate(chosen)]
    text = parts[0] + "".join(sep + part for sep, part in zip(separators, parts[1:], strict=False))
    assert parse_symptoms(text) == tuple(s for s in Symptom if s in set(chosen))


def test_checks_are_imported_through_the_service_too(ctx: ServiceContext, tmp_path: Path) -> None:
    controlled(ctx, tmp_path, "who-2021")  # 1003 and 1005 at home, 1004 without a rule
    path = _file(tmp_path, "who.csv", HEADER + "1003,2022-07-03T08:00,37.5,,app\n")
    done = import_checks(ctx, path, protocol="who-2021")
    assert (done.recorded, done.calling_for_test) == (1, 0)  # 37.5 is no fever for WHO
    refused = _file(tmp_path, "refused.csv", HEADER + "1004,2022-07-03T08:00,36.5,,app\n")
    from shoutu.errors import InputError

    with pytest.raises(InputError) as bad:
        import_checks(ctx, refused, protocol="who-2021")
    [problem] = bad.value.report.problems
    assert (problem.row, problem.field) == (1, "person_id")
