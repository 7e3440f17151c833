"""`shoutu signals`: run the detectors, and work the signals (CIDARS response workflow)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from shoutu.cli import i18n
from shoutu.cli.output import emit_json, errors_as_exit, out, parse, plain
from shoutu.cli.state import state
from shoutu.domain.vocabulary import SignalStatus

app = typer.Typer(
    rich_markup_mode=None,
    help="Signals from the detectors and their response workflow.",
    no_args_is_help=True,
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON only.")]


COLUMNS = ["id", "channel", "region", "method", "days", "observed", "threshold", "status"]


def print_signals(rows: list[dict[str, Any]], title: tuple[str, str], tz: str) -> None:
    table = i18n.table(*title, [*COLUMNS, "due", "unit"])
    for r in rows:
        table.add_row(
            str(r["signal_id"]),
            r["channel"],
            r["region"],
            r["method"],
            f"{r['date_start']} – {r['date_end']}",
            f"{r['observed']:g}",
            f"{r['threshold']:.1f}",
            i18n.value(SignalStatus, r["status"]),
            i18n.when(r["due_time"], tz),
            r["resp_unit"] or "",
        )
    if not rows:
        table.add_row("—", "no signals", "", "", "", "", "", "", "", "")
    out.print(table)


@app.command()
def run(
    ctx: typer.Context,
    date: Annotated[str, typer.Option("--date", help="The day to run (YYYY-MM-DD).")],
    config: Annotated[
        Path | None,
        typer.Option(help="Detectors file (default: SHOUTU_SIGNALS_CONFIG, else built in)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Run the configured detectors for a day; alarms become (or extend) signals."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.surveillance.signals import run_signals

    with errors_as_exit(json):
        day = parse("date", parse_date, date)
        counts = run_signals(state(ctx).context(), day, detectors_file=config)
    if json:
        emit_json(counts)
        return
    out.print(
        f"{date}: {counts['created']} new signals, {counts['extended']} extended", markup=False
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only open signals.")] = False,
    json: JsonOpt = False,
) -> None:
    """Signals, latest first."""
    from shoutu.domain.vocabulary import SignalStatus
    from shoutu.services.surveillance.signals import list_signals

    with errors_as_exit(json):
        rows = list_signals(
            state(ctx).context(),
            status=parse("status", SignalStatus.parse, status) if status else None,
            open_only=open_only,
        )
    if json:
        emit_json({"signals": [plain(r) for r in rows]})
        return
    print_signals(rows, ("预警信号", "Signals"), state(ctx).settings().timezone)


@app.command()
def show(
    ctx: typer.Context,
    signal_id: Annotated[int, typer.Argument(help="Signal id.")],
    json: JsonOpt = False,
) -> None:
    """One signal and its audit trail."""
    from shoutu.services import audit
    from shoutu.services.surveillance.signals import get_signal

    with errors_as_exit(json):
        service = state(ctx).context()
        row = get_signal(service, signal_id)
        trail = audit.recent(service, entity="signals", entity_id=str(signal_id))
    if json:
        emit_json({"signal": plain(row), "audit": trail})
        return
    print_signals(
        [row], (f"预警信号 {signal_id}", f"Signal {signal_id}"), service.settings.timezone
    )
    for event in reversed(trail):
        out.print(
            f"{event['at']}  {event['actor']}  {event['action']}  {event['after']}  "
            f"{event['detail'] or ''}",
            markup=False,
        )


@app.command()
def update(
    ctx: typer.Context,
    signal_id: Annotated[int, typer.Argument(help="Signal id.")],
    status: Annotated[
        str, typer.Option(help="verifying, investigating, confirmed or false_alarm.")
    ],
    unit: Annotated[str | None, typer.Option(help="Responsible unit for this step.")] = None,
    note: Annotated[str | None, typer.Option(help="What was found.")] = None,
    json: JsonOpt = False,
) -> None:
    """Move a signal to its next step of the response workflow."""
    from shoutu.domain.vocabulary import SignalStatus
    from shoutu.services.surveillance.signals import update_signal

    with errors_as_exit(json):
        row = update_signal(
            state(ctx).context(),
            signal_id,
            status=parse("status", SignalStatus.parse, status),
            unit=unit,
            note=note,
        )
    if json:
        emit_json({"signal": plain(row)})
        return
    out.print(f"signal {signal_id}: {row['status']}", markup=False)
