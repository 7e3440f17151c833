"""`shoutu protocols`: list, show and compare protocol editions."""

from __future__ import annotations

from typing import Annotated

import typer

from shoutu.cli.output import Table, emit_json, errors_as_exit, out
from shoutu.cli.state import state

app = typer.Typer(
    rich_markup_mode=None,
    help="Protocol editions (versioned files): list, show, diff.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON only.")]


@app.command("list")
def list_(ctx: typer.Context, json: JsonOpt = False) -> None:
    """One line per protocol: name, title, jurisdiction, effective date."""
    from shoutu.services.protocols import list_protocols

    with errors_as_exit(json):
        rows = list_protocols(state(ctx).context())
    if json:
        emit_json(
            {
                "protocols": [
                    {
                        "name": r.name,
                        "title_zh": r.title_zh,
                        "title_en": r.title_en,
                        "jurisdiction": r.jurisdiction,
                        "effective_date": r.effective_date,
                        "extends": r.extends,
                        "builtin": r.builtin,
                    }
                    for r in rows
                ]
            }
        )
        return
    for r in rows:
        origin = f" (extends {r.extends})" if r.extends else ""
        typer.echo(
            f"{r.name}\t{r.jurisdiction}\t{r.effective_date}\t{r.title_zh} / {r.title_en}{origin}"
        )


@app.command()
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Protocol name, e.g. cn-9th-2022.")],
    json: JsonOpt = False,
) -> None:
    """Every value of a protocol, resolved (with what it extends)."""
    from shoutu.services.protocols import show_protocol

    with errors_as_exit(json):
        view = show_protocol(state(ctx).context(), name)
    protocol = view.protocol
    if json:
        emit_json({"protocol": protocol.model_dump(mode="json"), "provenance": view.provenance})
        return
    table = Table(
        title=f"{protocol.name}: {protocol.title_zh} / {protocol.title_en}",
        caption=f"sha256 {view.sha256}",
    )
    table.add_column("key")
    table.add_column("value")
    for key, value in view.values.items():
        table.add_row(key, str(value))
    out.print(table)


@app.command()
def diff(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="First protocol.")],
    b: Annotated[str, typer.Argument(help="Second protocol.")],
    json: JsonOpt = False,
) -> None:
    """The values that differ between two protocols."""
    from shoutu.services.protocols import compare_protocols

    with errors_as_exit(json):
        changes = compare_protocols(state(ctx).context(), a, b)
    if json:
        emit_json(
            {"a": a, "b": b, "differences": [{"key": k, "a": va, "b": vb} for k, va, vb in changes]}
        )
        return
    table = Table(title=f"{a} → {b}: {len(changes)} differences")
    for column in ("key", a, b):
        table.add_column(column)
    for key, va, vb in changes:
        table.add_row(key, "—" if va is None else str(va), "—" if vb is None else str(vb))
    out.print(table)
