"""The `shoutu` command. Every command is a thin shell over shoutu.services."""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from shoutu import __version__
from shoutu.cli import (
    analytics,
    areas,
    cases,
    control,
    demo,
    imports,
    imports_ports,  # noqa: F401 (registers its commands on `import`)
    investigation,
    places,
    protocols,
    public,
    registry,
    requests,
    screening,
    signals,
    simulate,
    supervision,
    users,
    vaccination,
)
from shoutu.cli.output import (
    EXIT_BUG,
    emit_json,
    err,
    error_line,
    errors_as_exit,
    out,
    parse,
    report_error,
)
from shoutu.cli.render import (
    print_situation,
)
from shoutu.cli.state import State, state
from shoutu.errors import FileUnusable, ShoutuError

app = typer.Typer(
    rich_markup_mode=None,
    help="守土 shoutu — outbreak prevention and control. Settings come from SHOUTU_* "
    "environment variables (`shoutu settings`).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(imports.app, name="import")
app.add_typer(protocols.app, name="protocols")
app.add_typer(registry.people_app, name="people")
app.add_typer(registry.audit_app, name="audit")
app.command("simulate")(simulate.simulate)
app.add_typer(simulate.policy_app, name="policy")
app.command("rt")(analytics.rt)
app.command("scan")(analytics.scan)
app.command("detect")(analytics.detect)
app.command("channels")(analytics.channels)
app.command("trace")(investigation.trace)
app.command("chains")(investigation.chains)
app.command("trajectories")(investigation.trajectories)
app.command("self-check")(investigation.self_check)
app.add_typer(signals.app, name="signals")
app.add_typer(cases.cases_app, name="cases")
app.add_typer(cases.tasks_app, name="tasks")
app.add_typer(screening.app, name="screening")
app.add_typer(control.app, name="control")
app.add_typer(areas.app, name="areas")
app.add_typer(requests.app, name="requests")
app.add_typer(places.app, name="places")
app.add_typer(vaccination.app, name="vaccination")
app.add_typer(supervision.app, name="supervision")
app.command("bulletin")(public.bulletin)
app.add_typer(users.app, name="users")
app.command("serve")(users.serve)
app.command("demo")(demo.demo)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON only.")]


def _version(value: bool) -> None:
    if value:
        out.print(f"shoutu {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL or SQLite file (overrides SHOUTU_DATABASE_URL)."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="Show the traceback of an internal error (or SHOUTU_DEBUG=1)."
        ),
    ] = False,
) -> None:
    """守土 shoutu."""
    found = State()
    if db:
        found.overrides["database_url"] = db if "://" in db else f"sqlite:///{db}"
    ctx.obj = found
    ctx.call_on_close(found.close)


@app.command()
def init(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Create the key file (if missing) and create or migrate the database."""
    from shoutu.services.store_setup import init_store

    settings = state(ctx).settings()
    with errors_as_exit(json):
        created, revision = init_store(settings)
    if json:
        emit_json({"key_file_created": created, "schema_revision": revision})
        return
    if created:
        err.print(
            f"created key file {settings.key_file} — back it up: without it the "
            "encrypted personal data cannot be read",
            highlight=False,
            markup=False,
        )
    out.print(f"database ready at schema revision {revision}", markup=False)


@app.command()
def summary(
    ctx: typer.Context,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="As of the end of this day (YYYY-MM-DD) [today; for a simulated city, its "
            "last day].",
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """The situation summary: population, places, cases, control, risk areas, tasks."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.registry import situation

    with errors_as_exit(json):
        day = parse("date", parse_date, date) if date else None
        data = situation.situation(state(ctx).context(), day=day)
    if json:
        emit_json(data)
        return
    print_situation(data)


@app.command()
def repair(ctx: typer.Context, json: JsonOpt = False) -> None:
    """After a crash: move event files that cannot be read aside (to damaged/ in the event
    store), finish the workflow of batches stored but never processed, link audit units
    their writer left unlinked, remove killed writers' temporary files."""
    from shoutu.services.maintenance import repair as run

    with errors_as_exit(json):
        report = run(state(ctx).context())
    if json:
        emit_json(report.as_json())
        return
    left = report.finished.get("incomplete", 0) + report.finished.get("failed", 0)
    out.print(
        f"{len(report.moved):,} unreadable event files moved aside; "
        f"{report.finished.get('batches', 0):,} unprocessed batches finished"
        + (f" ({left:,} left: still being written or failing)" if left else "")
        + f"; {report.linked:,} audit units linked; {report.cleaned:,} left-overs of killed "
        "writers removed",
        markup=False,
    )
    for moved in report.moved:
        out.print(f"  damaged/{moved}", markup=False)


@app.command("settings")
def settings_(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Every setting: its environment variable, current value and meaning."""
    from shoutu.settings import settings_doc, shown_values

    shown = shown_values(state(ctx).settings())
    rows = [
        {"variable": env, "value": shown[env], "description": text} for env, text in settings_doc()
    ]
    if json:
        emit_json({"settings": rows})
        return
    for row in rows:
        out.print(f"{row['variable']}={row['value'] or ''}\n    {row['description']}", markup=False)


# Click's (typer's vendored) base of usage errors, found without a private import
USAGE_ERRORS: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Warnings (an unreadable event file skipped, …) as plain lines on stderr."""
    sys.stderr.write(f"warning: {message}\n")


def _one_line(exc: BaseException) -> str:
    """An exception in one line: its type and the last place in shoutu it passed, never its
    message (a message, or a database error's SQL and parameters, may hold personal data)."""
    cause = getattr(exc, "orig", None)  # SQLAlchemy's wrapper of the driver's error
    name = type(cause if cause is not None else exc).__name__
    package = str(Path(__file__).resolve().parents[1]) + os.sep
    where = [
        f"{Path(frame.filename).name}:{frame.lineno}"
        for frame in traceback.extract_tb(exc.__traceback__)
        if str(Path(frame.filename).resolve()).startswith(package)
    ]
    return f"{name} in {where[-1]}" if where else name


def _debugging(args: list[str]) -> bool:
    if "--debug" in args:
        return True
    try:
        from shoutu.settings import get_settings

        return get_settings().debug
    except Exception:  # settings that cannot be built: no details asked for
        return False


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the command line; exits with the documented codes (``shoutu.cli.output``).

    Usage errors end with a plain ``error:`` line after Click's box; an unexpected exception
    (a bug) prints one line and exits 3, with the traceback only under ``--debug``."""
    args = sys.argv[1:] if argv is None else list(argv)
    warnings.showwarning = _show_warning
    try:
        code = app(args=args, prog_name="shoutu", standalone_mode=False)
    except USAGE_ERRORS as exc:
        from typer import rich_utils

        rich_utils.rich_format_error(exc)  # type: ignore[arg-type]
        error_line(exc.format_message())  # type: ignore[attr-defined]
        sys.exit(int(exc.exit_code))  # type: ignore[attr-defined]
    except typer.Abort:
        error_line("aborted")
        sys.exit(130)
    except ShoutuError as exc:  # raised outside a command's own handler
        _report(exc, args)
    except OSError as exc:
        if exc.filename is None:
            _bug(exc, args)
        _report(FileUnusable.of(exc), args)  # a path the user gave cannot be used
    except Exception as exc:  # a bug: one line unless asked for the details
        _bug(exc, args)
    sys.exit(code if isinstance(code, int) else 0)


def _report(exc: ShoutuError, args: list[str]) -> NoReturn:
    try:
        report_error(exc, "--json" in args)
    except typer.Exit as done:
        sys.exit(done.exit_code)


def _bug(exc: BaseException, args: list[str]) -> NoReturn:
    if _debugging(args):
        traceback.print_exc()
    error_line(f"internal error: {_one_line(exc)}; rerun with --debug for the details")
    sys.exit(EXIT_BUG)
