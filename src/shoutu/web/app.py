"""The web app over one service context (the configured store and key): the API under
/api/v1 (OpenAPI at /openapi.json, errors as problem+json), the pages, the public pages and
the vendored static files; security headers on every response."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shoutu import __version__
from shoutu.errors import ShoutuError
from shoutu.services.context import ServiceContext
from shoutu.web import api, checks_api, control_api, pages, problems, public_api, uploads
from shoutu.web.ratelimit import Limiter

STATIC = Path(__file__).parent / "static"
#: the settings (JSON) ``shoutu serve --workers N`` hands its worker processes
WORKER_SETTINGS = "_SHOUTU_WORKER_SETTINGS"


class SecurityHeaders:
    """The security headers on every response passing through (pure ASGI: a response is
    not re-streamed, as Starlette's ``BaseHTTPMiddleware`` does at a few ms per request);
    an upload without login or above the limit refused before its body is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if scope["method"] == "POST" and path == uploads.PATH:
            early = uploads.precheck(Request(scope))
            if early is not None:
                await problems.secured(early, path)(scope, receive, send)
                return
        headers = problems.security_headers(path)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = MutableHeaders(scope=message)
                for name, value in headers.items():
                    given.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, sending)


def create_app(ctx: ServiceContext) -> FastAPI:
    """The app serving ``ctx``'s store as its users (close ``ctx`` when done with the app)."""
    app = FastAPI(
        title="shoutu 守土",
        version=__version__,
        description="Outbreak prevention and control: cases, people, tasks, signals and the "
        "public bulletin. Log in with POST /api/v1/session; send the token as a bearer "
        "token. Errors are application/problem+json (RFC 9457).",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.state.login_limiter = Limiter(ctx.settings.login_rate_per_minute)
    problems.install(app)

    async def page_error(request: Request, exc: Exception) -> Response:
        """A service error on a page is a page; on the API, problem+json."""
        assert isinstance(exc, ShoutuError)
        if request.url.path.startswith("/api/"):
            return problems.from_error(exc)
        return pages.templates.TemplateResponse(
            request,
            "error.html",
            {**pages.context(request), "status": exc.http_status, "detail": exc.render()},
            status_code=exc.http_status,
        )

    app.add_exception_handler(ShoutuError, page_error)
    app.add_middleware(SecurityHeaders)
    app.include_router(api.router)
    app.include_router(uploads.router)
    app.include_router(checks_api.router)
    app.include_router(control_api.router)
    app.include_router(public_api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", include_in_schema=False)
    def health() -> HTMLResponse:
        return HTMLResponse("ok")

    return app


def app_of_worker() -> FastAPI:
    """The app of one worker process of ``shoutu serve --workers N``, over the settings its
    parent wrote (each worker opens its own store connections)."""
    from shoutu.services.context import open_context
    from shoutu.settings import Settings

    settings = Settings.model_validate_json(os.environ[WORKER_SETTINGS])
    return create_app(open_context(settings))


__all__ = ["WORKER_SETTINGS", "app_of_worker", "create_app"]
