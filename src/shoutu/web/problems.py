"""Errors as RFC 9457 ``application/problem+json``: the service error tree's status and code,
Starlette's routing errors (404, 405 with its Allow), request validation (422 naming each
field), and anything unexpected as a 500 without a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from shoutu.errors import InputError, RateLimited, ShoutuError

PROBLEM = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not logged in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    429: "Too many requests",
    422: "Unprocessable content",
    428: "Precondition required",
    500: "Internal error",
    503: "Service unavailable",
}
LOG = logging.getLogger("shoutu.web")
#: no script or style from elsewhere, no framing; ECharts sets inline styles on its nodes
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}


def security_headers(path: str) -> dict[str, str]:
    """The security headers of a response to ``path``; nothing but the static files may be
    cached (pages show masked people, the API records)."""
    return HEADERS if path.startswith("/static/") else {**HEADERS, "Cache-Control": "no-store"}


def secured(response: Response, path: str) -> Response:
    """The security headers on a response (those it set itself stand)."""
    for name, value in security_headers(path).items():
        response.headers.setdefault(name, value)
    return response


class ProblemDetail(BaseModel):
    """An error (RFC 9457): ``code`` is stable, ``detail`` says what to do; an input's
    ``problems`` name file, row and field."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    problems: list[dict[str, Any]] | None = None
    parameters: list[str] | None = None


#: the error responses every API route may give, for the OpenAPI
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetail, "content": {PROBLEM: {}}, "description": TITLES[status]}
    for status in (400, 401, 403, 404, 422, 503)
}


def problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    body = ProblemDetail(
        title=TITLES.get(status, "Error"), status=status, detail=detail, code=code, **extra
    )
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM)


def from_error(exc: ShoutuError) -> JSONResponse:
    """A service error as its problem (parameters keep their API names)."""
    extra: dict[str, Any] = {}
    if isinstance(exc, InputError):
        extra["problems"] = exc.report.as_json()
    if exc.parameters:
        extra["parameters"] = exc.parameters
    response = problem(exc.http_status, exc.code, exc.render(), **extra)
    if exc.http_status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="shoutu"'
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def install(app: FastAPI) -> None:
    """Register the handlers."""

    async def service_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ShoutuError)
        return from_error(exc)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        response = problem(exc.status_code, code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "reason": str(e.get("msg", "")),
            }
            for e in exc.errors()
        ]
        detail = "; ".join(f"{p['field']}: {p['reason']}" for p in problems) or "invalid request"
        return problem(422, "input_error", detail, problems=problems)

    async def unexpected(request: Request, exc: Exception) -> Response:
        LOG.exception("internal error on %s %s", request.method, request.url.path)
        failed = problem(500, "internal_error", "an internal error; it has been logged")
        return secured(failed, request.url.path)  # outside the middleware: headers here

    app.add_exception_handler(ShoutuError, service_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, unexpected)


__all__ = ["ERRORS", "PROBLEM", "ProblemDetail", "from_error", "install", "problem"]
