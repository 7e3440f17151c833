"""The command line: --help everywhere, --json conventions, protocols, settings, demo."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from paths import SRC
from shoutu.cli.app import app
from shoutu.domain.access import ROLE_RIGHTS
from shoutu.domain.vocabulary import Right, Role
from shoutu.protocols.loader import ProtocolRegistry

runner = CliRunner()


def _all_commands() -> list[list[str]]:
    root = get_command(app)
    found: list[list[str]] = [[]]

    def walk(group: object, path: list[str]) -> None:
        commands = getattr(group, "commands", None)
        if isinstance(commands, dict):
            for name, command in commands.items():
                found.append([*path, name])
                walk(command, [*path, name])

    walk(root, [])
    return found


@pytest.mark.parametrize("path", _all_commands(), ids=lambda p: " ".join(p) or "shoutu")
def test_help_on_every_command(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_protocols_list_json() -> None:
    result = runner.invoke(app, ["protocols", "list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)["protocols"]
    # every built-in file, in name order (the list itself is tests/protocols' to check)
    assert [r["name"] for r in rows] == ProtocolRegistry(None).names()
    assert "cn-9th-2022" in ProtocolRegistry(None).names()
    assert rows[2]["effective_date"] == "2022-06-27" and rows[2]["jurisdiction"] == "CN"


def test_protocols_list_plain_is_one_line_each() -> None:
    result = runner.invoke(app, ["protocols", "list"])
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 7 and lines[2].startswith("cn-9th-2022\tCN\t2022-06-27\t")


def test_protocols_show_and_diff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = json.loads(runner.invoke(app, ["protocols", "show", "cn-9th-2022", "--json"]).stdout)
    assert shown["protocol"]["contacts"]["lookback_days"] == 4
    assert shown["provenance"]["protocol"]["name"] == "cn-9th-2022"
    assert len(shown["provenance"]["protocol"]["sha256"]) == 64
    diff = json.loads(
        runner.invoke(app, ["protocols", "diff", "cn-8th-2021", "cn-9th-2022", "--json"]).stdout
    )
    keys = {d["key"]: (d["a"], d["b"]) for d in diff["differences"]}
    assert keys["contacts.lookback_days"] == (2, 4)
    (tmp_path / "city.toml").write_text('extends = "cn-9th-2022"\njurisdiction = "CN-31"\n')
    monkeypatch.setenv("SHOUTU_PROTOCOL_DIR", str(tmp_path))
    listed = json.loads(runner.invoke(app, ["protocols", "list", "--json"]).stdout)["protocols"]
    assert {"name": "city", "extends": "cn-9th-2022", "builtin": False}.items() <= next(
        r for r in listed if r["name"] == "city"
    ).items()
    missing = runner.invoke(app, ["protocols", "show", "nope"])
    assert missing.exit_code == 1 and "unknown protocol" in missing.stderr


def test_settings_json_hides_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOUTU_KEY", "c2VjcmV0")
    monkeypatch.setenv("SHOUTU_TIMEZONE", "Europe/Berlin")
    rows = json.loads(runner.invoke(app, ["settings", "--json"]).stdout)["settings"]
    by_name = {r["variable"]: r for r in rows}
    assert by_name["SHOUTU_TIMEZONE"]["value"] == "Europe/Berlin"
    assert by_name["SHOUTU_KEY"]["value"] == "(set)"
    assert all(r["description"] for r in rows)


def test_demo_builds_a_city_and_summarises_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo", "--people", "600", "--days", "3", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["people"] == 600 == summary["synthetic_people"]
    assert summary["regions"]["building"] > 0 and summary["places"]["fever_clinic"] == 1
    assert summary["provenance"]["parameters"] == {
        "days": 3,
        "people": 600,
        "seed": 20220320,
        "scenario": "screening",
    }
    assert {row["kind"] for row in summary["screening"]["positivity"]} >= {"pcr single"}
    chains = summary["chains"]
    assert chains == {} or chains["cases"] >= chains["no_known_source"] + chains["imported"]
    public = summary["trajectories"]
    assert public["windows"] >= public["places"] >= 0 and "person" not in json.dumps(public)
    assert summary["simulation"]["checkins"] > 0 and summary["as_of"] == "2022-03-03"
    zero = summary["community_zero"]
    assert zero["date"] == "2022-03-03" and zero["regions"]
    assert zero["all_zero"] == all(r["status"] == "zero" for r in zero["regions"])
    helped = summary["help_requests"]  # the last day's hotline log, from people in areas
    assert helped == {} or helped["received"] == sum(
        r["received"] for r in helped["summary"]["regions"]
    ) >= len(helped["open"])
    assert (tmp_path / "demo.db").exists() and (tmp_path / "shoutu.key").exists()
    assert (tmp_path / "demo-city" / "checkins.parquet").exists()
    users = summary["web"]["users"]  # one demo web user per role, a fresh password each
    assert sorted(u["role"] for u in users) == sorted(r.value for r in Role)
    assert len({u["password"] for u in users}) == len(users)
    listed = json.loads(runner.invoke(app, ["--db", "demo.db", "users", "list", "--json"]).stdout)
    assert {u["username"] for u in listed["users"]} == {u["username"] for u in users}
    assert "password" not in json.dumps(listed)
    again = runner.invoke(app, ["demo", "--people", "600", "--days", "3", "--json"])
    assert json.loads(again.stdout)["people"] == 600  # rebuilt, not appended
    zero_now = runner.invoke(app, ["--db", "demo.db", "control", "community-zero", "--json"])
    assert json.loads(zero_now.stdout)["date"] == "2022-03-03"  # a simulated city's last day
    plain = runner.invoke(app, ["--db", "demo.db", "summary"])
    assert plain.exit_code == 0 and "Situation" in plain.stdout
    person = runner.invoke(app, ["--db", "demo.db", "people", "show", "1", "--json"])
    shown = json.loads(person.stdout)["person"]
    assert shown["masked"] and "*" in shown["id_number"] and shown["synthetic"]


def test_demo_replaces_only_what_a_demo_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trust issue's item 5: `demo --db X --out Y` never deletes what it did not make."""
    monkeypatch.chdir(tmp_path)
    precious = tmp_path / "registry.db"
    precious.write_bytes(b"someone's data")
    refused = runner.invoke(app, ["demo", "--db", str(precious), "--people", "60", "--days", "1"])
    assert refused.exit_code == 5 and "is not a database `shoutu demo` made" in refused.stderr
    assert precious.read_bytes() == b"someone's data"
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    refused = runner.invoke(app, ["demo", "--out", str(folder), "--people", "60", "--days", "1"])
    assert refused.exit_code == 5 and "is not a folder `shoutu demo` made" in refused.stderr
    assert (folder / "notes.txt").read_text() == "keep me"
    for args in ([], ["--db", "demo.db"], ["--db", "demo.db"]):  # made, then replaced twice
        done = runner.invoke(app, ["demo", *args, "--people", "60", "--days", "1", "--json"])
        assert done.exit_code == 0, done.output
    assert (tmp_path / "demo-city" / ".shoutu-demo").exists()
    # a real store made by `shoutu init` is not a demo's either
    init = runner.invoke(app, ["--db", "real.db", "init"])
    assert init.exit_code == 0, init.output
    refused = runner.invoke(app, ["demo", "--db", "real.db", "--people", "60", "--days", "1"])
    assert refused.exit_code == 5


def test_typer_app_is_thin() -> None:
    """CLI modules never build SQL: no sqlalchemy imports under shoutu/cli."""
    src = SRC / "cli"
    for path in src.glob("*.py"):
        assert "sqlalchemy" not in path.read_text(), path


def test_cli_start_up_stays_lean() -> None:
    """`shoutu --help` must not load the database or columnar stacks (start-up time)."""
    import subprocess
    import sys

    code = (
        "import sys, shoutu.cli.app\n"
        "heavy = [m for m in ('sqlalchemy', 'alembic', 'pyarrow', 'cryptography', 'pydantic')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def test_demo_serves_its_city_with_a_user_per_role(tmp_path: Path) -> None:
    """`make demo` (`shoutu demo --serve`): the situation first, then the demo users with their
    passwords, marked demo-only, and the web app on loopback where each of them logs in."""
    port = _free_port()
    command = [str(SHOUTU), "demo", "--people", "120", "--days", "2", "--json", "--serve"]
    proc = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        text = "".join(iter(proc.stdout.readline, "}\n")) + "}"  # flushed before serving
        summary = json.loads(text)
        base = _wait_for(proc, port)
        assert summary["people"] == 120
        for user in summary["web"]["users"]:
            login = {"username": user["username"], "password": user["password"]}
            token = httpx.post(f"{base}/api/v1/session", json=login).json()["token"]
            listed = httpx.get(f"{base}/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
            sees = Right.VIEW_CASES in ROLE_RIGHTS[Role(user["role"])]
            assert listed.status_code == (200 if sees else 403), user
        wrong = httpx.post(f"{base}/api/v1/session", json={**login, "password": "x" * 12})
        assert wrong.status_code == 401
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert "DEMO ONLY" in stderr and all(u["password"] in stderr for u in summary["web"]["users"])


SHOUTU = Path(sys.executable).with_name("shoutu")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(proc: subprocess.Popen[str], port: int) -> str:
    """The server's address once its login page answers."""
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            assert httpx.get(f"{base}/login").status_code == 200
            return base
        except httpx.TransportError:
            assert time.monotonic() < deadline and proc.poll() is None, "no server"
            time.sleep(0.2)


def test_serve_with_worker_processes(tmp_path: Path) -> None:
    """`shoutu serve --workers 2`: each worker serves the same store, with the settings its
    parent hands down in the environment (no file left behind)."""
    env = {**os.environ, "SHOUTU_DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}",
           "SHOUTU_KEY_FILE": str(tmp_path / "s.key"), "TMPDIR": str(tmp_path)}  # fmt: skip
    subprocess.run([str(SHOUTU), "init"], env=env, check=True, capture_output=True)
    (tmp_path / "regions.csv").write_text("code,name_zh,level\n310000000000,上海市,province\n")
    imported = [str(SHOUTU), "import", "regions", str(tmp_path / "regions.csv")]
    subprocess.run(imported, env=env, check=True, capture_output=True)
    secret = "correct horse battery"
    added = [str(SHOUTU), "users", "add", "chen", "--role", "observer", "--password-stdin"]
    subprocess.run(
        [*added, "--scope", "310000000000"], env=env, input=secret, check=True, text=True
    )
    port = _free_port()
    command = [str(SHOUTU), "serve", "--workers", "2", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        base = _wait_for(proc, port)
        assert not list(tmp_path.glob("*.json"))  # the settings go by the environment
        login = {"username": "chen", "password": secret}
        for _ in range(4):  # logins and reads answered by whichever worker takes them
            token = httpx.post(f"{base}/api/v1/session", json=login).json()["token"]
            bearer = {"Authorization": f"Bearer {token}"}
            assert httpx.get(f"{base}/api/v1/cases", headers=bearer).json()["items"] == []
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert stderr.count("Started server process") == 2, stderr  # one per worker
