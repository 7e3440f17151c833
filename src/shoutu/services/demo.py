"""The demo: simulate Demo City, load it into a fresh registry, summarise its situation."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from shoutu.services.context import init_store, open_context
from shoutu.services.progress import Progress, Silent
from shoutu.services.signals import list_signals, run_signals
from shoutu.services.simulation_import import (
    import_simulation,
    load_simulation_events,
    run_end,
)
from shoutu.services.situation import situation
from shoutu.settings import Settings
from shoutu.sim.engine import run_config, simulate

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
        if out_dir.exists():
            shutil.rmtree(out_dir)
        config = run_config(
            people=people,
            days=days,
            seed=seed,
            protocol=settings.protocol,
            start=START,
            timezone=settings.timezone,
            protocol_dir=settings.protocol_dir,
        )
        run = simulate(config, out_dir, progress=progress)
        import_simulation(ctx, out_dir, progress=progress)
        load_simulation_events(ctx, out_dir)
        summary = json.loads((out_dir / "summary.json").read_text())
        data = situation(ctx, now=run_end(summary) - dt.timedelta(seconds=1))
        data["analytics"] = outbreak_analytics(out_dir, summary)
        run_signals(ctx, [START + dt.timedelta(days=d) for d in range(days)])
        data["open_signals"] = list_signals(ctx, open_only=True)
        return run, data
    finally:
        ctx.close()


SERIAL_INTERVAL = (3.3, 2.0)  # the simulator's emergent Omicron serial interval (mean, sd)


def outbreak_analytics(out_dir: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """R_t of the demo's reported cases (citywide, by report day) and space-time clusters of
    cases by home community over the last week, through the same services as the commands."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from shoutu.analytics.rt import min_cases_for_cv
    from shoutu.events.store import local_days
    from shoutu.io.provenance import as_arrow, write_table
    from shoutu.services.rt import rt_from_file
    from shoutu.services.scan import scan_file

    tz = summary["provenance"]["parameters"]["timezone"]
    cases = pq.read_table(out_dir / "cases.parquet")
    if cases.num_rows == 0:
        return {"rt": [], "clusters": []}
    people = pq.read_table(out_dir / "people.parquet", columns=["region_code"]).column(0)
    day = local_days(cases.column("report_time"), tz).to_pylist()
    region = pc.take(people, pc.subtract(cases.column("person_id"), 1)).to_pylist()
    imported = cases.column("imported").to_pylist()
    start = dt.date.fromisoformat(summary["start_date"])
    dates = [start + dt.timedelta(days=d) for d in range(summary["days"])]
    work = out_dir / "analytics"
    work.mkdir(exist_ok=True)
    local_count = {d: 0 for d in dates}
    imported_count = {d: 0 for d in dates}
    for d, is_imported in zip(day, imported, strict=True):
        (imported_count if is_imported else local_count)[d] += 1
    series = work / "daily_cases.csv"
    write_table(
        series,
        {
            "date": [d.isoformat() for d in dates],
            "local": [local_count[d] for d in dates],
            "imported": [imported_count[d] for d in dates],
        },
        summary["provenance"],
    )
    rt_rows = (
        as_arrow(
            rt_from_file(series, si_mean=SERIAL_INTERVAL[0], si_sd=SERIAL_INTERVAL[1]).columns
        ).to_pylist()
        if len(dates) > 7  # EpiEstim needs more days than its 7-day window
        else []
    )
    regions = pq.read_table(out_dir / "regions.parquet").to_pylist()
    communities = [
        r
        for r in regions
        if r["polygon"] and r["code"] and len(r["code"]) == 12 and r["code"][9:] != "000"
    ]
    centroids = work / "centroids.csv"
    write_table(
        centroids,
        {
            "region": [r["code"] for r in communities],
            "lat": [r["lat"] for r in communities],
            "lon": [r["lon"] for r in communities],
        },
        summary["provenance"],
    )
    per_case = work / "cases_by_community.csv"
    write_table(
        per_case, {"date": [d.isoformat() for d in day], "region": region}, summary["provenance"]
    )
    clusters = scan_file(per_case, centroids, replications=199, seed=1).columns
    found = as_arrow(clusters).to_pylist() if clusters["cluster_id"] else []
    need = min_cases_for_cv()
    informative = [
        r
        for r in rt_rows
        if r["mean"] is not None
        and sum(local_count[d] for d in dates if r["date_start"] <= d <= r["date_end"]) >= need
    ]
    return {
        "rt": informative[-7:],
        "rt_min_cases": need,
        "clusters": [c for c in found if c["p_value"] <= 0.05],
    }
