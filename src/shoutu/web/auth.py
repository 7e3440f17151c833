"""Who is calling: a bearer token (API clients such as a lab's system) or the session cookie
(browsers). A call without valid credentials is 401 problem+json, never a redirect; a
state-changing call with the cookie must carry the session's CSRF token (header
``X-CSRF-Token`` or form field ``csrf_token``); bearer calls and the login itself are exempt
(the login form checks Origin instead). Each request's services act as its user."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from shoutu.domain.access import Jurisdiction, Principal
from shoutu.errors import Forbidden, Unauthenticated
from shoutu.services.access.sessions import authenticate, csrf_token
from shoutu.services.context import ServiceContext

COOKIE = "shoutu_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC = Principal(
    name="public", rights=frozenset(), view=Jurisdiction(()), capture=Jurisdiction(())
)


def base(request: Request) -> ServiceContext:
    """The app's own context (the local operator's; public routes read through it)."""
    ctx: ServiceContext = request.app.state.ctx
    return ctx


def credentials(request: Request) -> tuple[str, bool] | None:
    """(token, from a bearer header) of the request, if it carries one."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), True
    cookie = request.cookies.get(COOKIE)
    return (cookie, False) if cookie else None


async def caller(request: Request) -> ServiceContext:
    """The services as the request's user (401 without a live login; 403 for a cookie call
    that changes state without the CSRF token)."""
    found = credentials(request)
    if found is None:
        raise Unauthenticated("log in first (POST /api/v1/session) or send a bearer token")
    token, bearer = found
    ctx = base(request)
    principal = await run_in_threadpool(authenticate, ctx, token)
    if not bearer and request.method not in SAFE:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
        expected = csrf_token(ctx, token).encode()
        if sent is None or not hmac.compare_digest(sent.encode("utf-8", "replace"), expected):
            raise Forbidden("the CSRF token is missing or wrong: reload the page")
    request.state.token = token
    return ctx.acting_as(principal)


def public(request: Request) -> ServiceContext:
    """The services as the public: no right and no jurisdiction (de-identified figures only)."""
    return base(request).acting_as(PUBLIC)


async def maybe_caller(request: Request) -> ServiceContext | None:
    """The request's user for a page, or None (the page then asks to log in)."""
    try:
        return await caller(request)
    except Unauthenticated:
        return None


Caller = Annotated[ServiceContext, Depends(caller)]
Public = Annotated[ServiceContext, Depends(public)]

__all__ = ["COOKIE", "CSRF_FIELD", "Caller", "Public", "base", "caller", "credentials"]
