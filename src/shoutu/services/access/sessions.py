"""Logins: a password checked against its argon2id hash opens a session — a random token whose
SHA-256 alone is stored — for a browser's cookie or an API client's bearer token; the token
authenticates each request until it expires, its user logs out or is disabled. Wrong passwords
in a row lock the user for a while (SHOUTU_LOGIN_MAX_FAILURES, SHOUTU_LOGIN_LOCKOUT_MINUTES).
Each login, failed login and logout is audited under the user's name. A form's CSRF token is
derived from the session's token (HMAC with the store's key), so nothing more is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from pwdlib.exceptions import UnknownHashError

from shoutu.domain.access import Principal
from shoutu.domain.timeutil import utcnow
from shoutu.domain.vocabulary import AuditAction
from shoutu.errors import Unauthenticated
from shoutu.services.access.users import hasher, principal_of
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.store.repositories import users as repo

WRONG = "wrong username or password"
#: a hash no password matches, verified for unknown users so that a probe takes as long
_DUMMY: dict[tuple[int, int], str] = {}


@dataclass(frozen=True)
class Login:
    token: str
    principal: Principal
    expires_at: dt.datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(ctx: ServiceContext, token: str) -> str:
    """The CSRF token of a session (stable for the session, unguessable without the key)."""
    key = ctx.keyring.fingerprint().encode()
    return hmac.new(key, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()[:40]


def _dummy(ctx: ServiceContext) -> str:
    cost = (ctx.settings.argon2_time_cost, ctx.settings.argon2_memory_kib)
    if cost not in _DUMMY:
        _DUMMY[cost] = hasher(ctx.settings).hash(secrets.token_urlsafe(16))
    return _DUMMY[cost]


def _failed(ctx: ServiceContext, username: str, why: str, user_id: int | None = None) -> None:
    """Audit a refused login. An unknown name is kept only as a hash: people type their
    password into the name field."""
    if user_id is None:
        actor = "anonymous"
        entity_id = "sha256:" + hashlib.sha256(username.encode()).hexdigest()[:16]
    else:
        actor, entity_id = username, str(user_id)
    with writing(ctx.acting_as(Principal(name=actor, rights=frozenset()))) as unit:
        unit.event(AuditAction.LOGIN_FAILED, "users", entity_id, detail=why)


def login(ctx: ServiceContext, username: str, password: str) -> Login:
    """Open a session for ``username`` (Unauthenticated, audited, when the password is wrong,
    the user unknown, disabled or locked out)."""
    now = utcnow()
    with ctx.connect() as conn:
        user = repo.by_name(conn, username=username)
    passwords = hasher(ctx.settings)
    # every refusal costs one hash and says the same: nobody learns which names exist, are
    # disabled or locked (the audit trail keeps the reason)
    refused = None
    if user is None:
        refused = "unknown user"
    elif user["disabled"]:
        refused = "user disabled"
    elif user["locked_until"] is not None and user["locked_until"] > now:
        refused = "locked out"
    if user is None or refused is not None:
        passwords.verify(password, _dummy(ctx))
        _failed(ctx, username, refused or "", None if user is None else int(user["user_id"]))
        raise Unauthenticated(WRONG)
    try:
        good, rehashed = passwords.verify_and_update(password, user["password_hash"])
    except UnknownHashError:
        good, rehashed = False, None
    principal = principal_of(user)
    if not good:
        with writing(ctx.acting_as(principal)) as unit:
            # counted in the database, so that concurrent wrong passwords all count
            failures = repo.count_failure(unit.conn, user_id=user["user_id"])
            locked = failures >= ctx.settings.login_max_failures
            if locked:
                minutes = ctx.settings.login_lockout_minutes
                until = unit.now + dt.timedelta(minutes=minutes)
                repo.change(
                    unit.conn,
                    user_id=user["user_id"],
                    values={"failed_logins": 0, "locked_until": until},
                )
            unit.event(
                AuditAction.LOGIN_FAILED,
                "users",
                user["user_id"],
                detail="wrong password" + ("; locked out" if locked else ""),
            )
        raise Unauthenticated(WRONG)
    token = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=ctx.settings.session_hours)
    with writing(ctx.acting_as(principal), now=now) as unit:
        repo.add_session(
            unit.conn,
            values={
                "token_hash": token_hash(token),
                "user_id": user["user_id"],
                "created_at": now,
                "expires_at": expires,
            },
        )
        values: dict[str, object] = {"failed_logins": 0, "locked_until": None, "last_login": now}
        if rehashed:
            values["password_hash"] = rehashed
        repo.change(unit.conn, user_id=user["user_id"], values=values)
        unit.event(AuditAction.LOGIN, "users", user["user_id"])
    return Login(token=token, principal=principal, expires_at=expires)


def authenticate(ctx: ServiceContext, token: str) -> Principal:
    """The principal of a live session's token (Unauthenticated otherwise)."""
    with ctx.connect() as conn:
        row = repo.session(conn, token_hash=token_hash(token), now=utcnow())
    if row is None or row["disabled"]:
        raise Unauthenticated("the login has expired or ended: log in again")
    return principal_of(row)


def logout(ctx: ServiceContext, token: str) -> None:
    """End the session of ``token`` (audited); an unknown token is Unauthenticated."""
    principal = authenticate(ctx, token)
    with writing(ctx.acting_as(principal)) as unit:
        repo.end_sessions(unit.conn, at=unit.now, token_hash=token_hash(token))
        unit.event(AuditAction.LOGOUT, "users", principal.user_id)


__all__ = ["Login", "authenticate", "csrf_token", "login", "logout", "token_hash"]
