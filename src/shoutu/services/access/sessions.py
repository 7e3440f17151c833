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


def _failed(ctx: ServiceContext, username: str, why: str) -> None:
    with writing(ctx.acting_as(_anonymous(username))) as unit:
        unit.event(AuditAction.LOGIN_FAILED, "users", username, detail=why)


def _anonymous(username: str) -> Principal:
    return Principal(name=username[:64] or "?", rights=frozenset(), role=None)


def login(ctx: ServiceContext, username: str, password: str) -> Login:
    """Open a session for ``username`` (Unauthenticated, audited, when the password is wrong,
    the user unknown, disabled or locked out)."""
    now = utcnow()
    with ctx.connect() as conn:
        user = repo.by_name(conn, username=username)
    passwords = hasher(ctx.settings)
    if user is None:
        passwords.verify(password, _dummy(ctx))
        _failed(ctx, username, "unknown user")
        raise Unauthenticated(WRONG)
    if user["disabled"]:
        _failed(ctx, username, "user disabled")
        raise Unauthenticated(WRONG)
    if user["locked_until"] is not None and user["locked_until"] > now:
        _failed(ctx, username, "locked out")
        raise Unauthenticated(
            f"too many wrong passwords: try again after {user['locked_until']:%H:%M} UTC"
        )
    try:
        good, rehashed = passwords.verify_and_update(password, user["password_hash"])
    except UnknownHashError:
        good, rehashed = False, None
    principal = principal_of(user)
    if not good:
        failures = int(user["failed_logins"]) + 1
        locked = failures >= ctx.settings.login_max_failures
        with writing(ctx.acting_as(principal)) as unit:
            values: dict[str, object] = {"failed_logins": 0 if locked else failures}
            if locked:
                minutes = ctx.settings.login_lockout_minutes
                values["locked_until"] = unit.now + dt.timedelta(minutes=minutes)
            repo.change(unit.conn, user_id=user["user_id"], values=values)
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
        values = {"failed_logins": 0, "locked_until": None, "last_login": now}
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
