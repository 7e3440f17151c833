"""Output conventions shared by every command.

stdout holds results (only JSON with ``--json``); progress, logs and errors go to stderr, and
every error ends with one plain ``error: …`` line there. Exit codes (``shoutu.errors`` holds
the tree):

    0  success
    1  bad input (InputError, with the report), a protocol or key problem, the store is
       unavailable (down, busy, unsupported), a bad setting
    2  bad options (BadRequest) and usage errors
    3  a bug: one line, and the traceback with ``--debug`` (or SHOUTU_DEBUG=1)
    4  no such record (NotFound)
    5  refused: a conflict, a step not allowed now, no right (Conflict, InvalidTransition,
       Forbidden)
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table as RichTable
from rich.text import Text

from shoutu.errors import BadRequest, InputError, ShoutuError
from shoutu.io.provenance import dumps

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_BUG = 3

err = Console(stderr=True, soft_wrap=True)
out = Console(highlight=False)
if not out.is_terminal:  # piped: do not wrap tables at the default 80 columns
    out = Console(highlight=False, width=160)


class Table(RichTable):
    """A Rich table whose text is shown as it is: a stored value such as ``[/x]`` or
    ``[red]`` is data, never markup (it would break the command or vanish)."""

    def __init__(self, *headers: Any, title: Any = None, **options: Any) -> None:
        title = Text(title) if isinstance(title, str) else title
        super().__init__(*headers, title=title, **options)

    def add_row(self, *cells: Any, **options: Any) -> None:
        super().add_row(*(Text(c) if isinstance(c, str) else c for c in cells), **options)


def plain(row: Mapping[str, Any]) -> dict[str, Any]:
    """A record as JSON-ready values: times ISO 8601, vocabulary as its value."""
    import datetime as dt
    import enum

    def value(v: Any) -> Any:
        if isinstance(v, (dt.date, dt.datetime)):
            return v.isoformat()
        if isinstance(v, enum.Enum):
            return v.value
        return v

    return {k: value(v) for k, v in row.items()}


def emit_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(dumps(payload))


T = TypeVar("T")


def parse(parameter: str, parser: Callable[[str], T], value: str) -> T:
    """An option's text parsed by a domain parser; what it refuses is a BadRequest naming
    the option (the one conversion point of the command line)."""
    try:
        return parser(value)
    except ValueError as exc:
        raise BadRequest(f"{{{parameter}}}: {exc}") from None


def parse_time(parameter: str, text: str | None, timezone: str) -> dt.datetime | None:
    """An optional moment (ISO 8601; naive: local time in ``timezone``); None when not given."""
    from shoutu.domain.timeutil import parse_timestamp

    return parse(parameter, lambda t: parse_timestamp(t, timezone), text) if text else None


def flag(name: str) -> str:
    """A parameter's command-line spelling."""
    return "--" + name.replace("_", "-")


def error_line(message: str) -> None:
    """The plain last line of every error (no markup: messages may hold brackets)."""
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()


def report_error(exc: ShoutuError, json_mode: bool) -> NoReturn:
    """Print a service error (JSON on stdout with --json) and exit with its code."""
    message = exc.render(flag)
    lines: list[str] = []
    if isinstance(exc, InputError):
        message += "; nothing was written"
        lines = exc.report.lines(flag)
    if json_mode:
        payload: dict[str, Any] = {"ok": False, "code": exc.code, "error": exc.render()}
        if isinstance(exc, InputError):
            payload["problems"] = exc.report.as_json()
        if exc.parameters:
            payload["parameters"] = exc.parameters
        emit_json(payload)
    else:
        sys.stderr.write("".join(f"  {line}\n" for line in lines))
    error_line(message)
    raise typer.Exit(exc.exit_code)


@contextmanager
def errors_as_exit(json_mode: bool) -> Iterator[None]:
    """Turn the service layer's errors into messages and exit codes."""
    try:
        yield
    except ShoutuError as exc:
        report_error(exc, json_mode)


class RichProgress:
    """Progress bars on stderr (hidden when stderr is not a terminal)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def stage(self, description: str, total: int | None) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total or 0)
            self._progress.stop_task(self._task)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, units: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, units)


@contextmanager
def progress_bars() -> Iterator[RichProgress]:
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bars:
        yield RichProgress(bars)


def write_rows(
    path: Path, rows: list[dict[str, Any]], header: list[str], provenance: dict[str, Any]
) -> None:
    """A list of records to ``path`` (.csv, .xlsx or .parquet, with the provenance);
    ``header``: the columns of an empty list."""
    from shoutu.io.provenance import write_table

    columns = list(rows[0]) if rows else header
    write_table(path, {c: [r.get(c) for r in rows] for c in columns}, provenance)


def emit_columns(
    columns: Mapping[str, Any],
    provenance: dict[str, Any],
    key: str,
    json: bool,
    output: Path | None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Write --output (CSV or Parquet), then JSON on stdout, or CSV on stdout when there is
    no --output file."""
    from shoutu.io.provenance import as_arrow, write_csv, write_table

    if output is not None:
        with errors_as_exit(json):
            write_table(output, columns, provenance)
    if json:
        emit_json({key: as_arrow(columns).to_pylist(), **(extra or {}), "provenance": provenance})
    elif output is None:
        sys.stdout.flush()
        write_csv(as_arrow(columns), sys.stdout.buffer)
