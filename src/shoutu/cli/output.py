"""Output conventions shared by every command.

stdout holds results (only JSON with ``--json``); progress, logs and errors go to stderr.
Exit codes: 0 success, 1 bad input (with the report), 2 usage error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

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

from shoutu.errors import ShoutuError
from shoutu.io.provenance import dumps
from shoutu.io.report import InputError

EXIT_BAD_INPUT = 1

err = Console(stderr=True, soft_wrap=True)
out = Console(highlight=False)
if not out.is_terminal:  # piped: do not wrap tables at the default 80 columns
    out = Console(highlight=False, width=160)


def emit_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(dumps(payload))


def fail(message: str, *, json_mode: bool, code: int = EXIT_BAD_INPUT) -> NoReturn:
    if json_mode:
        emit_json({"ok": False, "error": message})
    else:
        err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def errors_as_exit(json_mode: bool) -> Iterator[None]:
    """Turn the service layer's errors into messages and exit codes."""
    try:
        yield
    except InputError as exc:
        if json_mode:
            emit_json({"ok": False, "error": str(exc), "problems": exc.report.as_json()})
        else:
            err.print(f"[bold red]error:[/] {exc}; nothing was written", highlight=False)
            sys.stderr.write("".join(f"  {line}\n" for line in exc.report.lines()))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except (ShoutuError, ValueError) as exc:
        fail(str(exc), json_mode=json_mode)


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
