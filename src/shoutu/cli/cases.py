"""`shoutu cases` and `shoutu tasks`: what the registry holds about cases and who must act."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from shoutu.cli import i18n
from shoutu.cli.output import Table, emit_json, errors_as_exit, out, parse, parse_time, plain
from shoutu.cli.state import state
from shoutu.domain.vocabulary import (
    CaseClass,
    CaseStatus,
    Channel,
    Labeled,
    Origin,
    TaskKind,
    TaskStatus,
)

cases_app = typer.Typer(
    rich_markup_mode=None, help="Cases in the registry (every read audited).", no_args_is_help=True
)
tasks_app = typer.Typer(
    rich_markup_mode=None, help="Tasks: who must do what, by when.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON only.")]
Limit = Annotated[int, typer.Option(min=1, max=100_000, help="At most this many.")]


def _table(
    ctx: typer.Context,
    title: tuple[str, str],
    rows: list[dict[str, Any]],
    columns: list[str],
    vocab: dict[str, type[Labeled]],
) -> None:
    """Rows as people read them: vocabulary values in their language, times local."""
    tz = state(ctx).settings().timezone
    table = i18n.table(*title, columns)
    for row in rows:
        table.add_row(*(_cell(row.get(c), vocab.get(c), tz) for c in columns))
    if not rows:
        table.add_row("—", *[""] * (len(columns) - 1))
    out.print(table)


def _cell(value: Any, vocab: type[Labeled] | None, tz: str) -> str:
    """A stored value as people read it: vocabulary by its label, times local, yes/no."""
    if value is None:
        return ""
    if vocab is not None:
        return i18n.value(vocab, value)
    if isinstance(value, dt.datetime):
        return i18n.when(value, tz)
    if isinstance(value, bool):
        return i18n.say("是", "yes") if value else i18n.say("否", "no")
    return str(plain({"v": value})["v"])


def _record(
    ctx: typer.Context, title: str, row: dict[str, Any], vocab: dict[str, type[Labeled]]
) -> None:
    """One record, a field a line: headers and values as people read them."""
    tz = state(ctx).settings().timezone
    table = Table(title=title, show_header=False)
    table.add_column("field")
    table.add_column("value")
    for key, value in row.items():
        table.add_row(i18n.header(key), _cell(value, vocab.get(key), tz))
    out.print(table)


CASE_COLUMNS = [
    "case_id",
    "person_id",
    "classification",
    "origin",
    "channel",
    "found_in_control",
    "region_code",
    "report_time",
    "status",
]
TASK_COLUMNS = ["task_id", "kind", "status", "subject_type", "subject_id", "due_time", "title"]
CASE_VOCAB: dict[str, type[Labeled]] = {
    "classification": CaseClass,
    "origin": Origin,
    "channel": Channel,
    "status": CaseStatus,
}
TASK_VOCAB: dict[str, type[Labeled]] = {"kind": TaskKind, "status": TaskStatus}


@cases_app.command("list")
def list_cases(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only this status (e.g. active).")] = None,
    region: Annotated[str | None, typer.Option(help="Only this region (a code prefix).")] = None,
    limit: Limit = 200,
    json: JsonOpt = False,
) -> None:
    """Cases, latest report first."""
    from shoutu.services.registry.cases import list_cases as run

    with errors_as_exit(json):
        chosen = parse("status", CaseStatus.parse, status) if status else None
        rows = run(state(ctx).context(), status=chosen, region=region, limit=limit)
    if json:
        emit_json({"cases": [plain(r) for r in rows]})
        return
    _table(ctx, ("病例", "Cases"), rows, CASE_COLUMNS, CASE_VOCAB)


@cases_app.command("show")
def show_case(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    json: JsonOpt = False,
) -> None:
    """One case, its contacts by kind and its tasks."""
    from shoutu.services.registry.cases import get_case

    with errors_as_exit(json):
        found = get_case(state(ctx).context(), case_id)
    if json:
        emit_json(
            {
                "case": plain(found["case"]),
                "contacts": found["contacts"],
                "tasks": [plain(t) for t in found["tasks"]],
            }
        )
        return
    _record(ctx, i18n.say(f"病例 {case_id}", f"Case {case_id}"), found["case"], CASE_VOCAB)
    contacts = ", ".join(f"{n} {kind}" for kind, n in found["contacts"].items()) or "none"
    out.print(f"{i18n.say('密接', 'contacts')}: {contacts}", markup=False)
    _table(ctx, ("任务", "Tasks"), found["tasks"], TASK_COLUMNS, TASK_VOCAB)


@cases_app.command("investigate")
def investigate(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    source: Annotated[
        str | None, typer.Option("--source", help="The source the investigators hold likely.")
    ] = None,
    finish: Annotated[bool, typer.Option("--finish", help="Close the investigation.")] = False,
    at: Annotated[
        str | None, typer.Option("--at", help="When (ISO 8601; naive: local time) [now].")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """A case's investigation (流调): begin it, set its likely source, and with --finish close
    it — the moment the four-early clocks count as "investigation finished" (the case's open
    investigation tasks are finished too). Each change is audited."""
    from shoutu.services.investigation.record import investigate as run

    with errors_as_exit(json):
        context = state(ctx).context()
        when = parse_time("at", at, context.settings.timezone)
        found = run(context, case_id, source=source, finish=finish, at=when)
    if json:
        emit_json(found)
        return
    state_text = f"finished {found['finished']}" if found["finished"] else "open"
    out.print(
        f"case {case_id}: investigation begun {found['started']}, {state_text}; "
        f"{found['contacts']} contacts, {found['contacts_under_control']} under control"
        + (f"; source: {found['source_hypothesis']}" if found["source_hypothesis"] else ""),
        markup=False,
    )


@cases_app.command("reclassify")
def reclassify(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    to: Annotated[str, typer.Option("--to", help="confirmed, asymptomatic or suspected.")],
    at: Annotated[
        str | None, typer.Option("--at", help="When (ISO 8601; naive: local time) [now].")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Change a case's classification at a moment (转归: an asymptomatic infection confirmed
    once symptoms begin), kept as an event: the bulletin of that day counts it among the
    confirmed cases reclassified from asymptomatic. Audited."""
    from shoutu.services.registry.reclassify import reclassify as run

    with errors_as_exit(json):
        context = state(ctx).context()
        when = parse_time("at", at, context.settings.timezone)
        found = run(context, case_id, to=parse("to", CaseClass.parse, to), at=when)
    if json:
        emit_json(found)
        return
    out.print(f"case {case_id}: {found['from']} → {found['to']} at {found['at']}", markup=False)


@cases_app.command("classify")
def classify(
    ctx: typer.Context,
    protocol: Annotated[
        str | None,
        typer.Option(help="Protocol whose origin rule applies [SHOUTU_PROTOCOL]."),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every case, not only those of unknown origin.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Imported or local (境外输入 / 本土), with the reason: a case whose onset (else sampling,
    else report) falls within the protocol's imported_within_days after the person's inbound
    arrival is imported; else local — linked to goods or an environment (物传人) when the
    person handled what a positive environment sample came from. Each change is audited."""
    from shoutu.services.investigation.origin import classify_cases

    with errors_as_exit(json):
        result = classify_cases(state(ctx).context(), protocol=protocol, every=every)
    if json:
        emit_json(result)
        return
    out.print(
        f"{result['cases']:,} cases ({result['protocol']}): {len(result['changed']):,} changed",
        markup=False,
    )
    for c in result["changed"]:
        out.print(
            f"  case {c['case_id']}: {c['was']} → {c['origin']} — {c['reason']}", markup=False
        )


@tasks_app.command("list")
def list_tasks(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="open, done or cancelled.")] = None,
    kind: Annotated[str | None, typer.Option(help="e.g. contact_control, resample.")] = None,
    subject: Annotated[
        str | None, typer.Option(help="TABLE:ID of the subject, e.g. cases:12 or people:1001.")
    ] = None,
    limit: Limit = 200,
    json: JsonOpt = False,
) -> None:
    """Tasks, oldest first."""
    from shoutu.services.supervision.task_list import list_tasks as run

    with errors_as_exit(json):
        subject_type, subject_id = _subject(subject)
        rows = run(
            state(ctx).context(),
            status=parse("status", TaskStatus.parse, status) if status else None,
            kind=parse("kind", TaskKind.parse, kind) if kind else None,
            subject_type=subject_type,
            subject_id=subject_id,
            limit=limit,
        )
    if json:
        emit_json({"tasks": [plain(r) for r in rows]})
        return
    _table(ctx, ("任务", "Tasks"), rows, TASK_COLUMNS, TASK_VOCAB)


def _subject(text: str | None) -> tuple[str | None, str | None]:
    from shoutu.errors import BadRequest

    if text is None:
        return None, None
    kind, sep, key = text.partition(":")
    if not sep or not kind or not key:
        raise BadRequest("{subject} is TABLE:ID, e.g. cases:12")
    return kind, key


@tasks_app.command("done")
def done_task(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(help="Task id.")],
    at: Annotated[
        str | None, typer.Option("--at", help="When it was done (ISO 8601; naive: local) [now].")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Mark an open task done."""
    from shoutu.services.supervision.tasks import complete_task

    with errors_as_exit(json):
        context = state(ctx).context()
        when = parse_time("at", at, context.settings.timezone)
        task = complete_task(context, task_id, at=when)
    if json:
        emit_json({"task": plain(task)})
        return
    out.print(f"task {task_id} done at {task['done_time']}", markup=False)


@tasks_app.command("update")
def update_task(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(help="Task id.")],
    status: Annotated[
        str | None,
        typer.Option(help="in_progress, done, not_executable or cancelled."),
    ] = None,
    reply: Annotated[str | None, typer.Option(help="The assignee's reply.")] = None,
    priority: Annotated[
        int | None, typer.Option(min=1, max=4, help="1 urgent, 2 high, 3 normal, 4 low.")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When (ISO 8601; naive: local) [now].")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Work a task: open → in_progress → done | not_executable | cancelled, a reply, a
    priority. Audited."""
    from shoutu.services.supervision.tasks import update_task as run

    with errors_as_exit(json):
        context = state(ctx).context()
        when = parse_time("at", at, context.settings.timezone)
        task = run(
            context,
            task_id,
            status=parse("status", TaskStatus.parse, status) if status else None,
            reply=reply,
            priority=priority,
            at=when,
        )
    if json:
        emit_json({"task": plain(task)})
        return
    out.print(f"task {task_id}: {task['status']}", markup=False)


@tasks_app.command("show")
def show_task(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(help="Task id.")],
    json: JsonOpt = False,
) -> None:
    """One task."""
    from shoutu.services.supervision.task_list import get_task

    with errors_as_exit(json):
        task = get_task(state(ctx).context(), task_id)
    if json:
        emit_json({"task": plain(task)})
        return
    _record(ctx, i18n.say(f"任务 {task_id}", f"Task {task_id}"), task, TASK_VOCAB)
