"""`shoutu users`: add before any user exists, list (no hashes), re-scope, reset a password
(ends sessions), disable (ends sessions); bad roles, short passwords, unknown regions and
duplicates refused with their exit codes; nothing of the password in the trail."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from paths import DATA
from shoutu.cli.app import app
from shoutu.errors import Unauthenticated
from shoutu.services.access.sessions import authenticate, login
from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file

SECRET = "a long enough passphrase"


def test_users_commands(ctx: ServiceContext, cli_env: dict[str, str]) -> None:
    import_file(ctx, "regions", DATA / "regions.csv")
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> tuple[int, dict[str, object]]:
        done = runner.invoke(app, [*args, "--json"], input=stdin)
        return done.exit_code, json.loads(done.stdout) if done.stdout.strip() else {}

    def add(name: str, role: str, scope: str, password: str) -> tuple[int, dict[str, object]]:
        args = ("users", "add", name, "--role", role, "--scope", scope, "--password-stdin")
        return run(*args, stdin=password + "\n")

    code, added = add("wang", "epidemiologist", "310101000000", SECRET)
    assert code == 0, added
    assert added["user"] == {  # type: ignore[comparison-overlap]
        **added["user"],  # type: ignore[dict-item]
        "username": "wang",
        "role": "epidemiologist",
        "scope": "310101000000",
        "view_scope": "310101000000",
        "disabled": False,
    }
    assert add("wang", "lab", "310101000000", SECRET)[0] == 5  # exists
    assert add("li", "lab", "310101000000", "short")[0] == 2
    assert add("li", "lab", "440100000000", SECRET)[0] == 2  # not in the registry
    assert run("users", "add", "li", "--role", "lab", "--scope", "310101000000")[0] == 2
    code, listed = run("users", "list")
    assert code == 0 and [u["username"] for u in listed["users"]] == ["wang"]  # type: ignore[attr-defined]
    assert "password_hash" not in json.dumps(listed)
    session = login(ctx, "wang", SECRET)
    code, scoped = run(
        "users", "scope", "wang", "--scope", "310100000000", "--view-scope", "310000000000"
    )
    assert code == 0 and scoped["user"]["view_scope"] == "310000000000"  # type: ignore[index]
    principal = authenticate(ctx, session.token)
    assert principal.view.prefixes == ("31",) and principal.capture.prefixes == ("3101",)
    assert (
        run(
            "users", "reset-password", "wang", "--password-stdin", stdin="another long passphrase\n"
        )[0]
        == 0
    )
    with pytest.raises(Unauthenticated):  # the reset ended the session
        authenticate(ctx, session.token)
    fresh = login(ctx, "wang", "another long passphrase")
    assert run("users", "disable", "wang")[0] == 0
    with pytest.raises(Unauthenticated):  # disabling ended the session
        authenticate(ctx, fresh.token)
    trail = json.dumps(recent(ctx, entity="users", limit=100), default=str)
    assert SECRET not in trail and "argon2" not in trail and "users disable" in trail
