"""Every command, given a bad option or a bad file, ends with its documented exit code and one
plain ``error:`` line on stderr, never a traceback (``shoutu.cli.output`` documents the
codes). An internal error prints one line, and the traceback only with --debug."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from paths import DATA, PUBLIC
from shoutu.cli.app import app, main
from shoutu.services.store_setup import init_store
from shoutu.settings import get_settings

MEASLES = [
    "detect",
    str(PUBLIC / "measles_de_weekly.csv"),
    "--wide",
    "--method",
    "farrington-flexible",
    "--b",
    "1",
    "--w",
    "3",
    "--alpha",
    "0.01",
    "--no-periods",
    "10",
    "--weights-threshold",
    "2.58",
    "--past-weeks-not-included",
    "26",
    "--p-threshold-trend",
    "1",
    "--threshold-method",
    "nbPlugin",
]


def _cases(tmp: Path) -> dict[str, tuple[list[str], int]]:
    """A bad invocation of every command, and the exit code it must give."""
    missing = str(tmp / "missing.csv")
    cases = tmp / "cases.csv"
    cases.write_text("date,cases\n2022-03-01,1\n2022-03-02,3\n")
    return {
        "init": (["--db", "mysql://u@localhost/x", "init"], 1),
        "summary": (["--db", "mysql://u@localhost/x", "summary"], 1),
        "demo": (["demo", "--people", "10"], 2),
        "settings": (["settings", "--bogus"], 2),
        "repair": (["--db", "nowhere.db", "repair"], 1),
        "import regions": (["import", "regions", missing], 1),
        "import places": (["import", "places", missing], 1),
        "import people": (
            ["import", "people", str(DATA / "people.csv"), "--date-format", "dmy"],
            2,
        ),
        "import simulation": (["import", "simulation", str(tmp / "no-run")], 1),
        "import series": (["import", "series", str(cases), "--channel", "Bad Name"], 2),
        "import results": (["import", "results", missing], 1),
        "import checkins": (["import", "checkins", missing], 1),
        "import cases": (["import", "cases", missing], 1),
        "import control-measures": (["import", "control-measures", missing], 1),
        "import contacts": (["import", "contacts", missing], 1),
        "import arrivals": (["import", "arrivals", missing], 1),
        "cases list": (["cases", "list", "--status", "bogus"], 2),
        "cases show": (["cases", "show", "424242"], 4),
        "tasks list": (["tasks", "list", "--subject", "cases"], 2),
        "tasks show": (["tasks", "show", "424242"], 4),
        "protocols list": (["protocols", "list", "--bogus"], 2),
        "protocols show": (["protocols", "show", "cn-99th"], 1),
        "protocols diff": (["protocols", "diff", "cn-9th-2022", "cn-99th"], 1),
        "people show": (["people", "show", "424242"], 4),
        "people find": (["people", "find", "110101199003071234"], 4),
        "audit list": (["audit", "list", "--limit", "0"], 2),
        "audit verify": (["--db", "mysql://x/y", "audit", "verify"], 1),
        "simulate": (["simulate", "--out", str(tmp / "run"), "--scenario", "nosuch"], 1),
        "policy compare": (["policy", "compare", "nosuch", "--runs", "1", "--days", "1"], 1),
        "rt": (["rt", str(cases)], 2),
        "scan": (["scan", missing, "--centroids", missing], 1),
        "detect": (["detect", str(cases), "--method", "ears-c9"], 2),
        "channels": (["channels", "tweets"], 4),
        "trace": (["trace", "--checkins", missing], 2),
        "chains": (["chains", "--cases", missing, "--si-mean", "3", "--si-sd", "1"], 1),
        "trajectories": (["trajectories", "--checkins", missing, "--cases", missing], 1),
        "self-check": (["self-check", "--trajectories", missing], 2),
        "signals run": (["signals", "run", "--date", "2022-13-01"], 2),
        "signals list": (["signals", "list", "--status", "bogus"], 2),
        "signals show": (["signals", "show", "424242"], 4),
        "signals update": (["signals", "update", "424242", "--status", "verifying"], 4),
        "screening pool-size": (["screening", "pool-size", "--prevalence", "2"], 2),
        "screening key-populations": (["screening", "key-populations", "--date", "May 1"], 2),
        "screening campaign": (
            ["screening", "campaign", "x", "--region", "31", "--start", "2022-03-01"],
            2,
        ),
        "screening status": (["screening", "status", "nosuch"], 4),
        "control community-zero": (["control", "community-zero", "--level", "planet"], 2),
        "control list": (["control", "list", "--status", "bogus"], 2),
        "control release": (["control", "release", "--date", "2022-13-01"], 2),
        "control coverage": (["control", "coverage", "--date", "2022-07-01", "--level", "x"], 2),
        "control check": (["control", "check", "1", "--temperature", "37", "--symptoms", "x"], 2),
        "control checks": (["control", "checks", "--date", "2022-13-01"], 2),
        "import checks": (["import", "checks", missing], 1),
        "import goods": (["import", "goods", missing], 1),
        "import vaccinations": (["import", "vaccinations", missing], 1),
        "vaccination coverage": (["vaccination", "coverage", "--date", "2022-13-01"], 2),
        "vaccination outreach": (["vaccination", "outreach", "--date", "2022-13-01"], 2),
        "supervision clocks": (["supervision", "clocks", "--from", "2022-13-01", "--to", "x"], 2),
        "supervision board": (["supervision", "board", "--date", "2022-02-30"], 2),
        "supervision report": (
            [
                "supervision",
                "report",
                "--from",
                "2022-03-01",
                "--to",
                "2022-03-02",
                "--region",
                "x",
            ],
            2,
        ),
        "supervision reassign": (["--db", "nowhere.db", "supervision", "reassign"], 1),
        "bulletin": (["bulletin", "--date", "2022-03-01", "--lang", "fr"], 2),
        "cases reclassify": (["cases", "reclassify", "424242", "--to", "confirmed"], 4),
        "tasks update": (["tasks", "update", "424242", "--status", "finished"], 2),
        "import responsibilities": (["import", "responsibilities", missing], 1),
        "places trigger-cases": (["places", "trigger-cases", "--date", "2022-13-01"], 2),
        "import closed-loop": (["import", "closed-loop", missing], 1),
        "control loop": (["control", "loop", "--date", "2022-13-01"], 2),
        "import place-reports": (["import", "place-reports", missing], 1),
        "places reports": (["places", "reports", "--date", "2022-13-01"], 2),
        "cases classify": (["cases", "classify", "--protocol", "no-such-protocol"], 1),
        "cases investigate": (["cases", "investigate", "1", "--at", "yesterday-ish"], 2),
        "import shifts": (["import", "shifts", missing], 1),
        "import samples-environment": (["import", "samples-environment", missing], 1),
        "control assign": (["control", "assign", "424242", "--site", "1"], 4),
        "control sites": (["control", "sites", "--date", "2022-13-01"], 2),
        "control document": (["control", "document", "1", "--kind", "certificate"], 2),
        "areas propose": (["areas", "propose", "--date", "2022-13-01"], 2),
        "areas approve": (["areas", "approve", "424242"], 4),
        "areas reject": (["areas", "reject", "424242", "--reason", "x"], 4),
        "areas edit": (["areas", "edit", "424242", "--add", "31"], 2),
        "areas list": (["areas", "list", "--status", "bogus"], 2),
        "areas run": (["areas", "run", "--date", "tomorrow"], 2),
        "areas public": (["areas", "public", "--date", "2022-02-30"], 2),
        "requests add": (["requests", "add", "--category", "groceries", "--person", "1"], 2),
        "requests triage": (["requests", "triage", "424242", "--severity", "2"], 4),
        "requests assign": (["requests", "assign", "424242", "--to", "W"], 4),
        "requests update": (["requests", "update", "424242", "--status", "resolved"], 4),
        "requests escalate-run": (["requests", "escalate-run", "--at", "noon"], 2),
        "requests list": (["requests", "list", "--status", "bogus"], 2),
        "requests show": (["requests", "show", "424242"], 4),
        "requests summary": (["requests", "summary", "--level", "galaxy"], 2),
        "requests import": (["requests", "import", missing], 1),
        "places plans": (["places", "plans", "--bogus"], 2),
        "places trigger": (["places", "trigger", "424242", "--reason", "x"], 4),
        "places drill": (["places", "drill", "424242"], 4),
        "places report": (["places", "report", "424242"], 4),
        "tasks done": (["tasks", "done", "424242"], 4),
        "users add": (["users", "add", "ann", "--role", "pilot", "--scope", "310101000000"], 2),
        "users list": (["users", "list", "--bogus"], 2),
        "users disable": (["users", "disable", "nobody"], 4),
        "users scope": (["users", "scope", "nobody", "--scope", "310101000000"], 4),
        "users reset-password": (["users", "reset-password", "nobody"], 2),
        "serve": (["--db", "nowhere.db", "serve"], 1),
    }


def _commands() -> set[str]:
    """Every command of the app, by its full name."""
    root = typer.main.get_command(app)
    found: set[str] = set()

    def walk(command: Any, prefix: str) -> None:
        children = getattr(command, "commands", None)
        if not children:
            found.add(prefix)
            return
        for name, child in children.items():
            walk(child, f"{prefix} {name}".strip())

    walk(root, "")
    return found


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    settings = get_settings(
        database_url=f"sqlite:///{tmp_path / 'shoutu.db'}",
        key_file=tmp_path / "shoutu.key",
        event_dir=tmp_path / "events",
    )
    init_store(settings)
    monkeypatch.setenv("SHOUTU_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SHOUTU_KEY_FILE", str(settings.key_file))
    monkeypatch.setenv("SHOUTU_EVENT_DIR", str(settings.event_dir))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def test_every_command_is_covered(tmp_path: Path) -> None:
    assert _commands() == set(_cases(tmp_path))


def test_bad_options_and_files_give_the_documented_codes(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = {}
    for name, (args, expected) in _cases(store).items():
        code, out, err = _run(args, capsys)
        lines = err.strip().splitlines()
        if code != expected or "Traceback" in out + err or not lines[-1].startswith("error: "):
            wrong[name] = (code, expected, err[-400:])
    assert wrong == {}


def test_json_errors_carry_the_code(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code, out, err = _run(["signals", "show", "424242", "--json"], capsys)
    assert code == 4
    assert json.loads(out) == {"ok": False, "code": "not_found", "error": "no signal 424242"}
    assert err.strip().splitlines()[-1] == "error: no signal 424242"
    (store / "cases.csv").write_text("date,cases\n2022-03-01,1\n")
    code, out, _ = _run(["rt", str(store / "cases.csv"), "--si-mean", "3", "--json"], capsys)
    assert code == 2 and json.loads(out)["parameters"] == ["si_mean", "si_sd", "si_distr"]


def test_a_bad_option_names_the_flag(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = store / "cases.csv"
    cases.write_text("date,cases\n2022-03-01,1\n")
    code, _, err = _run(["rt", str(cases), "--si-mean", "3"], capsys)
    assert code == 2
    assert err.strip().splitlines()[-1] == "error: give --si-mean and --si-sd, or --si-distr"


def test_a_bug_is_one_line_unless_debugging(
    store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shoutu.services.registry import situation

    def broken(*_: object, **__: object) -> None:
        raise IndexError("row of 110101199003071234 out of bounds")  # a message may hold data

    monkeypatch.setattr(situation, "situation", broken)
    code, _, err = _run(["summary"], capsys)
    assert code == 3 and "Traceback" not in err
    line = err.strip()
    assert line.startswith("error: internal error: IndexError in app.py:")
    assert line.endswith("; rerun with --debug for the details")
    assert "1101" not in line
    code, _, err = _run(["--debug", "summary"], capsys)
    assert code == 3 and "Traceback" in err and "broken" in err
    monkeypatch.setenv("SHOUTU_DEBUG", "1")
    assert "Traceback" in _run(["summary"], capsys)[2]


def test_the_measles_command_ends_without_a_traceback(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(MEASLES, capsys)
    assert "Traceback" not in out + err
    assert code == 0, err
