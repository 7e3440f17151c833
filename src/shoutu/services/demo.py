"""The demo: simulate Demo City, load it into a fresh registry, summarise its situation."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from shoutu.services.context import init_store, open_context
from shoutu.services.progress import Progress, Silent
from shoutu.services.simulation_import import (
    import_simulation,
    load_simulation_events,
    run_end,
)
from shoutu.services.situation import situation
from shoutu.settings import Settings
from shoutu.sim.engine import RunConfig, simulate
from shoutu.sim.scenario import load_scenario

START = dt.date(2022, 3, 1)


def run_demo(
    settings: Settings,
    *,
    out_dir: Path,
    people: int,
    days: int,
    seed: int,
    progress: Progress | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(simulation summary, situation summary) of a freshly built demo registry.

    The database named by ``settings`` and ``out_dir`` are replaced.
    """
    progress = progress or Silent()
    init_store(settings)
    ctx = open_context(settings)
    try:
        protocol, digest = ctx.protocol()
        if out_dir.exists():
            shutil.rmtree(out_dir)
        config = RunConfig(
            people=people,
            days=days,
            seed=seed,
            start=START,
            timezone=settings.timezone,
            protocol=protocol,
            protocol_hash=digest,
            scenario=load_scenario("default"),
        )
        run = simulate(config, out_dir, progress=progress)
        import_simulation(ctx, out_dir, progress=progress)
        load_simulation_events(ctx, out_dir)
        summary = json.loads((out_dir / "summary.json").read_text())
        return run, situation(ctx, now=run_end(summary) - dt.timedelta(seconds=1))
    finally:
        ctx.close()
