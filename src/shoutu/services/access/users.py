"""Web users: added with a role and scopes, listed, disabled, re-scoped, their passwords reset.

A scope is a region code of the registry and covers its subtree; the capture scope (what a
user may write) and the view scope (what they may read, by default the same) are kept apart.
Only the argon2id hash of a password is stored (pwdlib), never the password, and no audit
event holds it. The local operator at a terminal manages users; ``users add`` works before any
user exists.
"""

from __future__ import annotations

from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from shoutu.domain.access import ROLE_RIGHTS, Jurisdiction, Principal
from shoutu.domain.regions import parse_region_code
from shoutu.domain.vocabulary import Right, Role
from shoutu.errors import BadRequest, Conflict, NotFound
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.services.guard import refusals, require
from shoutu.settings import Settings
from shoutu.store.repositories import regions as regions_repo
from shoutu.store.repositories import users as repo

#: what a user's listing and audit events show (never the password hash)
SHOWN = ("user_id", "username", "role", "scope", "view_scope", "disabled", "last_login")


def hasher(settings: Settings) -> PasswordHash:
    """The password hasher (argon2id at the configured cost)."""
    return PasswordHash(
        (
            Argon2Hasher(
                time_cost=settings.argon2_time_cost,
                memory_cost=settings.argon2_memory_kib,
                parallelism=1,
            ),
        )
    )


def principal_of(row: dict[str, Any]) -> Principal:
    """The principal of a user's row: the role's rights over the scopes' subtrees."""
    role = Role(row["role"])
    return Principal(
        name=str(row["username"]),
        rights=ROLE_RIGHTS[role],
        view=Jurisdiction.of([parse_region_code(row["view_scope"]).prefix]),
        capture=Jurisdiction.of([parse_region_code(row["scope"]).prefix]),
        role=role,
        user_id=int(row["user_id"]),
    )


def shown(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in SHOWN}


def _password(ctx: ServiceContext, password: str) -> str:
    least = ctx.settings.password_min_length
    if len(password) < least:
        raise BadRequest(f"the {{password}} is too short: at least {least} characters")
    if password.strip() != password:
        raise BadRequest("the {password} begins or ends with a space or a line break")
    return hasher(ctx.settings).hash(password)


def _scope(unit: Unit, code: str, parameter: str) -> str:
    try:
        parsed = parse_region_code(code).code
    except ValueError as exc:
        raise BadRequest(f"{{{parameter}}} {code!r}: {exc}") from None
    if regions_repo.get(unit.conn, code=parsed) is None:
        raise BadRequest(f"{{{parameter}}} {code!r} is not a region of the registry")
    return parsed


def _user(unit: Unit, username: str) -> dict[str, Any]:
    found = repo.by_name(unit.conn, username=username)
    if found is None:
        raise NotFound(f"no user {username!r}")
    return found


def add_user(
    ctx: ServiceContext,
    username: str,
    *,
    role: Role,
    scope: str,
    password: str,
    view_scope: str | None = None,
) -> dict[str, Any]:
    """A new user (names are unique); audited without the password."""
    name = username.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise BadRequest("a {username} is 1 to 64 characters without spaces")
    with refusals(ctx, "users"), writing(ctx, detail="users add") as unit:
        require(ctx, Right.MANAGE_USERS)
        if repo.by_name(unit.conn, username=name) is not None:
            raise Conflict(f"user {name!r} exists")
        capture = _scope(unit, scope, "scope")
        values = {
            "username": name,
            "role": role,
            "scope": capture,
            "view_scope": _scope(unit, view_scope, "view_scope") if view_scope else capture,
            "password_hash": _password(ctx, password),
            "disabled": False,
            "failed_logins": 0,
            **unit.stamp,
        }
        values["user_id"] = repo.add(unit.conn, values=values)
        unit.created("users", [values["user_id"]], [shown({**values, "last_login": None})])
    return shown({**values, "last_login": None})


def list_users(ctx: ServiceContext) -> list[dict[str, Any]]:
    """Every user (no password hashes)."""
    with refusals(ctx, "users"):
        require(ctx, Right.MANAGE_USERS)
    with ctx.connect() as conn:
        return [shown(r) for r in repo.listing(conn)]


def _change(ctx: ServiceContext, username: str, detail: str, **values: Any) -> dict[str, Any]:
    with refusals(ctx, "users", username), writing(ctx, detail=detail) as unit:
        require(ctx, Right.MANAGE_USERS)
        found = _user(unit, username)
        if "scope" in values:
            values["scope"] = _scope(unit, values["scope"], "scope")
            values["view_scope"] = (
                _scope(unit, values["view_scope"], "view_scope")
                if values.get("view_scope")
                else values["scope"]
            )
        if "password" in values:
            values["password_hash"] = _password(ctx, values.pop("password"))
            values.update(failed_logins=0, locked_until=None)
        repo.change(unit.conn, user_id=found["user_id"], values={**values, **unit.touch})
        ended = 0
        if values.get("disabled") or "password_hash" in values:
            ended = repo.end_sessions(unit.conn, at=unit.now, user_id=found["user_id"])
        changed = {k: v for k, v in values.items() if k in SHOWN}
        unit.updated(
            "users",
            found["user_id"],
            {k: found[k] for k in changed},
            {**changed, **({"password": "reset"} if "password_hash" in values else {})},
            detail=f"{detail}; {ended} session(s) ended" if ended else None,
        )
    return shown({**found, **values})


def disable_user(ctx: ServiceContext, username: str) -> dict[str, Any]:
    """Disable a user and end their sessions."""
    return _change(ctx, username, "users disable", disabled=True)


def set_scope(
    ctx: ServiceContext, username: str, *, scope: str, view_scope: str | None = None
) -> dict[str, Any]:
    """Give a user other scopes (the view scope defaults to the capture scope)."""
    return _change(ctx, username, "users scope", scope=scope, view_scope=view_scope)


def reset_password(ctx: ServiceContext, username: str, password: str) -> dict[str, Any]:
    """A new password (unlocks the user; ends their sessions)."""
    return _change(ctx, username, "users reset-password", password=password)


__all__ = [
    "add_user",
    "disable_user",
    "hasher",
    "list_users",
    "principal_of",
    "reset_password",
    "set_scope",
]
