"""`import arrivals`: a bad file names every problem by row and field, writes nothing (no
arrival, no episode, no task), exits 1 and prints no traceback; a good one prints its counts
(or JSON) and `control list --json` shows the inbound episodes by the arrival behind them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_arrivals import ARRIVALS, ports
from typer.testing import CliRunner

from shoutu.cli.app import app, main
from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext
from shoutu.services.control.episode_list import list_episodes
from shoutu.services.supervision.task_list import list_tasks
from shoutu.store.repositories import arrivals as arrivals_repo

BAD = (
    "person_id,arrival_time,port_place_id,origin_country\n"
    "1003,2022-07-01T10:00,900,KR\n"  # row 1: good
    "4242,2022-07-01T10:00,900,KR\n"  # row 2: no such person
    "1004,2022-07-41T10:00,900,KR\n"  # row 3: no such day
    "1004,2022-07-01T10:00,4242,KR\n"  # row 4: no such place
    "1003,2022-07-01T10:00,,\n"  # row 5: row 1's arrival again
    "1005,2022-07-01T11:00,1,JP\n"  # row 6: a farmers' market is no port
    "x,1880-01-01T10:00,900,KR\n"  # row 7: no person id, implausible day
    f"1002,2022-07-02T10:00,900,{'K' * 65}\n"  # row 8: origin too long
    "1002,,901,KR\n"  # row 9: no arrival time
)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def _nothing_written(ctx: ServiceContext) -> None:
    with ctx.connect() as conn:
        assert arrivals_repo.of_people(conn, person_ids=[1001, 1002, 1003, 1004, 1005]) == {}
    assert list_episodes(ctx) == []
    assert list_tasks(ctx, subject_type="control_measures", limit=None) == []
    assert recent(ctx, entity="arrivals") == []


def test_bad_rows_are_named_and_nothing_is_written(
    ctx: ServiceContext,
    cli_env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ports(ctx, tmp_path)
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    code, out, err = _run(["import", "arrivals", str(path), "--json"], capsys)
    assert code == 1 and "Traceback" not in out + err
    problems = {(p["row"], p["field"]): p["reason"] for p in json.loads(out)["problems"]}
    assert set(problems) == {
        (2, "person_id"),
        (3, "arrival_time"),
        (4, "port_place_id"),
        (5, "arrival_time"),
        (6, "port_place_id"),
        (7, "person_id"),
        (7, "arrival_time"),
        (8, "origin_country"),
        (9, "arrival_time"),
    }
    assert problems[(2, "person_id")] == "unknown person id 4242"
    assert problems[(4, "port_place_id")] == "unknown place 4242"
    assert problems[(5, "arrival_time")] == "the same arrival as row 1"
    assert "farmers_market" in problems[(6, "port_place_id")]
    assert problems[(9, "arrival_time")] == "is required"
    _nothing_written(ctx)
    # the human report names them too, on stderr
    code, out, err = _run(["import", "arrivals", str(path)], capsys)
    assert code == 1 and "Traceback" not in out + err and "port_place_id" in err
    _nothing_written(ctx)


def test_a_missing_column_or_a_bad_option_is_refused(
    ctx: ServiceContext,
    cli_env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ports(ctx, tmp_path)
    missing = tmp_path / "missing.csv"
    missing.write_text("person_id,port_place_id\n1003,900\n")
    code, out, err = _run(["import", "arrivals", str(missing)], capsys)
    assert code == 1 and "arrival_time" in err and "Traceback" not in out + err
    good = tmp_path / "arrivals.csv"
    good.write_text(ARRIVALS)
    code, out, err = _run(["import", "arrivals", str(good), "--date-format", "dmy"], capsys)
    assert code == 2 and "Traceback" not in out + err
    code, out, err = _run(["import", "arrivals", str(good), "--protocol", "cn-99th"], capsys)
    assert code == 1 and "Traceback" not in out + err
    _nothing_written(ctx)


def test_import_and_control_list(
    ctx: ServiceContext, cli_env: dict[str, str], tmp_path: Path
) -> None:
    ports(ctx, tmp_path)
    (tmp_path / "arrivals.csv").write_text(ARRIVALS)
    runner = CliRunner()
    args = ["import", "arrivals", str(tmp_path / "arrivals.csv"), "--protocol", "cn-9th-2022"]
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.output
    body = json.loads(done.stdout)
    result = body["result"]
    assert result["entity"] == "arrivals" and result["protocol"] == "cn-9th-2022"
    assert (result["recorded"], result["episodes_opened"], result["test_tasks"]) == (2, 2, 12)
    assert body["provenance"]["command"] == "import arrivals"
    listed = json.loads(runner.invoke(app, ["control", "list", "--json"]).stdout)["episodes"]
    reasons = {e["person_id"]: e["reason"] for e in listed}
    assert reasons[1003].startswith("arrival ") and reasons[1003].endswith(" at port 900 from KR")
    assert reasons[1004].endswith(" from Japan")
    assert all(e["start"].endswith("+08:00") and e["kind"] == "centralised" for e in listed)
    again = runner.invoke(app, args)
    assert again.exit_code == 0
    assert "2 arrival rows — 0 new, 0 updated, 2 unchanged; episodes 0 opened" in again.stdout
    who = tmp_path / "later.csv"
    who.write_text("person_id,arrival_time\n1005,2022-07-02T10:00\n")
    told = runner.invoke(app, ["import", "arrivals", str(who), "--protocol", "who-2021"])
    assert told.exit_code == 0
    assert "1 arrivals have no quarantine rule in who-2021" in told.stdout
