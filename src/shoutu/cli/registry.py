"""`shoutu people` and `shoutu audit`: audited reads of the registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from shoutu.cli.output import Table, emit_json, error_line, errors_as_exit, out, parse
from shoutu.cli.state import state
from shoutu.domain.vocabulary import IdType

if TYPE_CHECKING:
    from shoutu.services.registry.people import PersonView

people_app = typer.Typer(
    rich_markup_mode=None,
    help="Look people up (masked by default; every read is audited).",
    no_args_is_help=True,
)
audit_app = typer.Typer(rich_markup_mode=None, help="The audit trail.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON only.")]
Reveal = Annotated[bool, typer.Option("--reveal", help="Show personal data unmasked.")]
Purpose = Annotated[str | None, typer.Option("--purpose", help="Why (required with --reveal).")]


def _print(view: PersonView, json: bool) -> None:
    if json:
        emit_json({"person": view.as_json()})
        return
    table = Table(
        show_header=False, title=f"person {view.person_id}" + (" (masked)" if view.masked else "")
    )
    table.add_column("field")
    table.add_column("value")
    for key, value in view.as_json().items():
        table.add_row(key, "" if value is None else str(value))
    out.print(table)


@people_app.command("show")
def show(
    ctx: typer.Context,
    person_id: Annotated[int, typer.Argument(help="Person id.")],
    reveal: Reveal = False,
    purpose: Purpose = None,
    json: JsonOpt = False,
) -> None:
    """One person by id."""
    from shoutu.services.registry import people as registry

    with errors_as_exit(json):
        service = state(ctx).context()
        view = registry.get_person(service, person_id, reveal=reveal, purpose=purpose)
    _print(view, json)


@people_app.command("find")
def find(
    ctx: typer.Context,
    id_number: Annotated[str, typer.Argument(help="Identifier number.")],
    id_type: Annotated[
        str, typer.Option("--id-type", help="resident_id, passport or external.")
    ] = IdType.RESIDENT_ID.value,
    reveal: Reveal = False,
    purpose: Purpose = None,
    json: JsonOpt = False,
) -> None:
    """Find a person by identifier (exact match through its keyed hash)."""
    from shoutu.services.registry import people as registry

    with errors_as_exit(json):
        service = state(ctx).context()
        view = registry.find_by_id_number(
            service,
            id_number,
            id_type=parse("id_type", IdType.parse, id_type),
            reveal=reveal,
            purpose=purpose,
        )
    _print(view, json)


@audit_app.command("verify")
def verify(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Check the audit trail's hash chain, changing nothing: the first broken link (an event
    edited, removed or inserted, a unit removed) is reported, and the exit code is 1. Prints
    the chain's head: keep it outside the store (the chain is not keyed, so a rebuilt chain
    shows only as another head)."""
    from shoutu.services import audit

    with errors_as_exit(json):
        report = audit.verify(state(ctx).context())
    if json:
        emit_json(report.as_json())
    elif report.ok:
        out.print(
            f"audit trail intact: {report.events:,} events in {report.units:,} units"
            + (f" ({report.unchained:,} from before the chain began)" if report.unchained else "")
            + f"; head {report.head}",
            markup=False,
        )
        if report.unlinked:
            out.print(
                f"{report.unlinked:,} committed units are not linked yet (their writer stopped "
                "before linking them): `shoutu repair` links them",
                markup=False,
            )
    if not report.ok:
        assert report.broken is not None
        error_line(f"audit trail broken: {report.broken['reason']}")
        raise typer.Exit(1)


@audit_app.command("list")
def list_(
    ctx: typer.Context,
    entity: Annotated[str | None, typer.Option(help="Table name, e.g. people.")] = None,
    entity_id: Annotated[str | None, typer.Option("--id", help="Record key.")] = None,
    actor: Annotated[str | None, typer.Option(help="Who acted.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 50,
    json: JsonOpt = False,
) -> None:
    """Recent audit events, newest first."""
    from shoutu.services import audit

    with errors_as_exit(json):
        events = audit.recent(
            state(ctx).context(), entity=entity, entity_id=entity_id, actor=actor, limit=limit
        )
    if json:
        emit_json({"events": events})
        return
    table = Table(title="audit")
    for column in ("at", "actor", "action", "entity", "id", "detail"):
        table.add_column(column)
    for e in events:
        table.add_row(
            e["at"], e["actor"], e["action"], e["entity"], e["entity_id"], e["detail"] or ""
        )
    out.print(table)
