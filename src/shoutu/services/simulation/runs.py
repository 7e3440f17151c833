"""Simulator runs as a service: Demo City's outbreak and response written to a folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from shoutu.domain.timeutil import parse_date
from shoutu.errors import BadRequest, options_checked
from shoutu.progress import Progress
from shoutu.services.context import ServiceContext
from shoutu.sim.engine import run_config, simulate


def simulate_run(
    ctx: ServiceContext,
    out_dir: Path,
    *,
    people: int,
    days: int,
    seed: int,
    protocol: str | None = None,
    start_date: str | dt.date = "2022-03-01",
    scenario: str = "default",
    summary_only: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the simulator into ``out_dir``; returns its summary (with provenance)."""
    with options_checked():
        start = parse_date(start_date)
    if out_dir.exists() and not out_dir.is_dir():
        raise BadRequest(f"{{out}} {out_dir} is a file, not a folder")
    config = run_config(
        people=people,
        days=days,
        seed=seed,
        scenario=scenario,
        protocol=protocol or ctx.settings.protocol,
        start=start,
        timezone=ctx.settings.timezone,
        summary_only=summary_only,
        protocol_dir=ctx.settings.protocol_dir,
    )
    return simulate(config, out_dir, progress=progress)


__all__ = ["simulate_run"]
