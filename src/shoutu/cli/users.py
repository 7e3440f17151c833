"""`shoutu users add | list | disable | scope | reset-password` (web users, their roles and
scopes) and `shoutu serve` (the web app over the configured store and key)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shoutu.cli.output import Table, emit_json, errors_as_exit, out, parse
from shoutu.cli.state import state
from shoutu.domain.vocabulary import Role

if TYPE_CHECKING:
    from shoutu.services.context import ServiceContext

app = typer.Typer(
    rich_markup_mode=None,
    help="Web users (用户): a role (its rights) and scopes (a region code and its subtree, "
    "for writing and for reading).",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON only.")]
ScopeOpt = Annotated[
    str, typer.Option("--scope", help="Region code the user may write in (and its subtree).")
]
ViewOpt = Annotated[
    str | None,
    typer.Option("--view-scope", help="Region code the user may read in (default: --scope)."),
]
StdinOpt = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from standard input (one line)."),
]


def _password(from_stdin: bool) -> str:
    from shoutu.errors import BadRequest

    if not from_stdin:
        raise BadRequest("give the password on standard input with {password_stdin}")
    return sys.stdin.readline().rstrip("\r\n")


def _show(user: dict[str, Any], json: bool) -> None:
    if json:
        emit_json({"user": user})
        return
    out.print(
        f"{user['username']}: {user['role']}, scope {user['scope']}, view scope "
        f"{user['view_scope']}{' (disabled)' if user['disabled'] else ''}"
    )


@app.command("add")
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name (no spaces).")],
    role: Annotated[str, typer.Option("--role", help="One of: " + ", ".join(Role))],
    scope: ScopeOpt,
    view_scope: ViewOpt = None,
    password_stdin: StdinOpt = False,
    json: JsonOpt = False,
) -> None:
    """Add a user with a role and scopes; the password comes on standard input."""
    from shoutu.services.access.users import add_user

    with errors_as_exit(json):
        chosen = parse("role", Role.parse, role)
        password = _password(password_stdin)
        user = add_user(
            state(ctx).context(),
            username,
            role=chosen,
            scope=scope,
            view_scope=view_scope,
            password=password,
        )
    _show(user, json)


@app.command("list")
def list_(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Every user with their role and scopes."""
    from shoutu.services.access.users import list_users

    with errors_as_exit(json):
        users = list_users(state(ctx).context())
    if json:
        emit_json({"users": users})
        return
    table = Table("username", "role", "scope", "view_scope", "disabled", "last_login")
    for u in users:
        table.add_row(
            u["username"],
            u["role"],
            u["scope"],
            u["view_scope"],
            "yes" if u["disabled"] else "",
            "" if u["last_login"] is None else u["last_login"].isoformat(timespec="seconds"),
        )
    out.print(table)


@app.command("disable")
def disable(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name.")],
    json: JsonOpt = False,
) -> None:
    """Disable a user and end their sessions."""
    from shoutu.services.access.users import disable_user

    with errors_as_exit(json):
        user = disable_user(state(ctx).context(), username)
    _show(user, json)


@app.command("scope")
def scope_(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name.")],
    scope: ScopeOpt,
    view_scope: ViewOpt = None,
    json: JsonOpt = False,
) -> None:
    """Give a user other scopes."""
    from shoutu.services.access.users import set_scope

    with errors_as_exit(json):
        user = set_scope(state(ctx).context(), username, scope=scope, view_scope=view_scope)
    _show(user, json)


@app.command("reset-password")
def reset_password(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name.")],
    password_stdin: StdinOpt = False,
    json: JsonOpt = False,
) -> None:
    """Set a new password (read from standard input); unlocks the user, ends their sessions."""
    from shoutu.services.access.users import reset_password as run

    with errors_as_exit(json):
        password = _password(password_stdin)
        user = run(state(ctx).context(), username, password)
    _show(user, json)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (each its own connections).")
    ] = 1,
) -> None:
    """Run the web app (API under /api/v1, pages, public pages) over the configured store and
    key until interrupted."""
    with errors_as_exit(False):
        service = state(ctx).context()
    run_server(service, host=host, port=port, workers=workers)


def run_server(service: ServiceContext, *, host: str, port: int, workers: int = 1) -> None:
    """Serve the web app over ``service``'s store until interrupted; with several workers,
    each process builds the app over the same settings, handed down in its environment
    (nothing written to disk). The login rate limit is then counted per worker."""
    import os

    import uvicorn

    from shoutu.web.app import WORKER_SETTINGS, create_app

    with errors_as_exit(False):
        service.check_key(service.keyring)  # a wrong key or a missing store stops it here
    if workers == 1:
        uvicorn.run(create_app(service), host=host, port=port, log_level="info")
        return
    service.close()  # each worker opens its own
    os.environ[WORKER_SETTINGS] = service.settings.model_dump_json()
    uvicorn.run(
        "shoutu.web.app:app_of_worker",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
