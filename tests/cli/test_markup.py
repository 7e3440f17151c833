"""Stored text is data, never markup: a tube id ``[/x]`` or a purpose with ``[red]`` shows as it
is in every table and does not break the command."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.domain.vocabulary import TaskKind
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.supervision.tasks import NewTask, open_tasks


def test_brackets_in_stored_text(ctx: ServiceContext, cli_env: dict[str, str]) -> None:
    protocol, _ = ctx.protocol()
    since = dt.datetime(2022, 4, 1, tzinfo=dt.UTC)
    with writing(ctx, detail="a [red]purpose[/red] with [/x] in it") as unit:
        open_tasks(unit, protocol, [NewTask(TaskKind.OTHER, "people", 1, "re-test [/x]", since)])
    runner = CliRunner()
    tasks = runner.invoke(app, ["tasks", "list"])
    assert tasks.exit_code == 0, tasks.output
    assert "re-test [/x]" in tasks.stdout
    trail = runner.invoke(app, ["audit", "list"])
    assert trail.exit_code == 0, trail.output
    assert "[red]purpose[/red]" in trail.stdout.replace("\n", "")
