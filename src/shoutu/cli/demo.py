"""`shoutu demo`: simulate Demo City, load it, print its situation, its demo web users, and
serve it in the web app with --serve."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shoutu.cli import areas, control, requests, supervision
from shoutu.cli.output import Table, emit_json, err, errors_as_exit, progress_bars
from shoutu.cli.render import (
    print_analytics,
    print_chains,
    print_screening,
    print_situation,
    print_trajectories,
)
from shoutu.cli.signals import print_signals
from shoutu.cli.state import state

if TYPE_CHECKING:
    from shoutu.services.simulation.demo import DemoResult

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON only.")]


def demo(
    ctx: typer.Context,
    path: Annotated[Path, typer.Option("--db", help="SQLite file to (re)create.")] = Path(
        "demo.db"
    ),
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the simulator's files (replaced).")
    ] = Path("demo-city"),
    people: Annotated[int, typer.Option(min=50, max=2_000_000, help="Residents.")] = 100_000,
    days: Annotated[int, typer.Option(min=1, max=365, help="Days to simulate.")] = 30,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 20220320,
    scenario: Annotated[
        str, typer.Option(help="Response scenario (see `shoutu simulate --help`).")
    ] = "screening",
    serve: Annotated[
        bool, typer.Option("--serve", help="Then serve it in the web app until interrupted.")
    ] = False,
    port: Annotated[int, typer.Option(help="The web app's port (with --serve).")] = 8000,
    json: JsonOpt = False,
) -> None:
    """Simulate Demo City, load it into a fresh registry (synthetic people, marked synthetic)
    with one demo web user per role, and print its situation (and serve it with --serve)."""
    from shoutu.services.simulation.demo import run_demo

    with errors_as_exit(json), progress_bars() as bars:
        demo = run_demo(
            state(ctx).settings(),
            db=path,
            out_dir=out_dir,
            people=people,
            days=days,
            seed=seed,
            scenario=scenario,
            progress=bars,
        )
    run, data = demo.simulation, demo.situation
    if json:
        emit_json({**data, "simulation": run, "provenance": demo.provenance})
    else:
        print_demo(demo, out_dir, path)
    if serve or not json:
        print_demo_users(data.get("web", {}).get("users", []), port)
    if serve:
        from shoutu.cli.users import run_server
        from shoutu.services.context import open_context

        sys.stdout.flush()  # the JSON, before the server takes over
        run_server(open_context(demo.settings), host="127.0.0.1", port=port)


def print_demo(demo: DemoResult, out_dir: Path, path: Path) -> None:
    """What ``shoutu demo`` prints: the CLI situation and each part's summary."""
    run, data = demo.simulation, demo.situation
    err.print(
        f"Demo City: {run['people']:,} people, {run['checkins']:,} check-ins over "
        f"{run['days']} days in {out_dir}/; registry in {path}, events in {demo.event_dir}/",
        highlight=False,
        markup=False,
    )
    print_situation(data)
    print_analytics(data.get("analytics", {}))
    print_signals(
        data.get("open_signals", []),
        ("未处置预警信号", "Open signals"),
        demo.settings.timezone,
    )
    print_screening(data.get("screening", {}))
    print_chains(data.get("chains", {}))
    print_trajectories(data.get("trajectories", {}))
    if data.get("control"):
        summary = data["control"]
        control.print_episodes_in_force(summary["date"], summary["episodes_in_force"])
        control.print_coverage(summary["coverage"])
    if data.get("community_zero"):
        control.print_community_zero(data["community_zero"])
    if data.get("areas"):
        found = data["areas"]
        areas.print_public(found["public"], limit=10)
        err.print(
            f"areas: {found['proposed']} proposed, {found['approved']} approved; mass screening "
            f"in {found['campaigns']} campaigns (started or joined)",
            markup=False,
        )
    if data.get("help_requests"):
        found = data["help_requests"]
        tz = demo.settings.timezone
        requests.print_requests(found["open"], tz, title=(f"未办结求助 — {found['date']}",
                                f"Open help requests — {found['date']}"))  # fmt: skip
        requests.print_summary(found["summary"])
    if data.get("board"):
        supervision.print_board(data["board"], title_suffix="top five")
    if data.get("bulletin"):
        found = data["bulletin"]
        err.print(
            f"bulletin of {found['date']}: {found['html']}, {found['pdf']}",
            markup=False,
        )
    if data.get("web"):
        web = data["web"]
        err.print(
            f"web app: `shoutu demo --serve` (make demo), or SHOUTU_DATABASE_URL=sqlite:///"
            f"{web['db']} SHOUTU_EVENT_DIR={web['events']} shoutu serve",
            markup=False,
        )


def print_demo_users(users: list[dict[str, Any]], port: int) -> None:
    """The demo's web users and their passwords: printed once, demo-only."""
    table = Table(title=f"Demo web users — DEMO ONLY (http://127.0.0.1:{port}/login)")
    for column in ("user", "role", "scope", "password"):
        table.add_column(column)
    for user in users:
        table.add_row(user["username"], user["role"], user["scope"], user["password"])
    err.print(table)
    err.print(
        "These accounts and passwords exist only in this demo database (made anew by each "
        "`shoutu demo`); never use them for real data.",
        markup=False,
    )
