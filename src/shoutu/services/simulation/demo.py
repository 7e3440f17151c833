"""The demo: simulate Demo City, load it into a fresh registry, summarise its situation."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from shoutu.domain.vocabulary import Role
from shoutu.errors import Conflict
from shoutu.io.provenance import build_provenance
from shoutu.progress import Progress, Silent
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext, open_context
from shoutu.services.registry.situation import situation
from shoutu.services.simulation.demo_help import help_summary
from shoutu.services.simulation.importer import (
    import_simulation,
    load_simulation_events,
    run_end,
)
from shoutu.services.store_setup import init_store
from shoutu.services.surveillance.signals import list_signals, run_signals
from shoutu.settings import Settings
from shoutu.sim.engine import run_config, simulate
from shoutu.store.repositories import meta

START = dt.date(2022, 3, 1)
MARKER = ".shoutu-demo"  # in the folders a demo made
MADE_BY = "made_by"  # store_meta: "demo" in the database a demo made


def _check_own(db: Path, out_dir: Path, events: Path) -> None:
    """Refuse to replace a database or folder that a demo did not make."""
    if db.exists() and not _demo_database(db):
        raise Conflict(
            f"{db} is not a database `shoutu demo` made: it is left alone; choose another "
            "database or remove it yourself"
        )
    for folder in (out_dir, events):
        if folder.exists() and not (folder.is_dir() and (folder / MARKER).exists()):
            raise Conflict(
                f"{folder} is not a folder `shoutu demo` made: it is left alone; choose another "
                "folder or remove it yourself"
            )


def _demo_database(path: Path) -> bool:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            if "store_meta" not in inspect(conn).get_table_names():
                return False
            return meta.get(conn, key=MADE_BY) == "demo"
    except Exception:  # not SQLite at all: certainly not a demo's
        return False
    finally:
        engine.dispose()


@dataclass(frozen=True)
class DemoResult:
    simulation: dict[str, Any]  # the simulator's summary
    situation: dict[str, Any]  # the situation, with analytics, signals, screening, chains
    event_dir: Path
    provenance: dict[str, Any]
    settings: Settings  # the demo store's: the web app serves it with these


def run_demo(
    settings: Settings,
    *,
    db: Path,
    out_dir: Path,
    people: int,
    days: int,
    seed: int,
    scenario: str = "screening",
    progress: Progress | None = None,
) -> DemoResult:
    """Simulate Demo City into ``out_dir``, load it into a fresh SQLite registry ``db`` (its
    events beside ``out_dir``) and summarise it. ``db`` and ``out_dir`` are replaced when a
    demo made them (its marker is there); anything else is refused, never deleted."""
    progress = progress or Silent()
    events = Path(f"{out_dir}-events")
    _check_own(db, out_dir, events)
    for suffix in ("", "-wal", "-shm"):
        stale = Path(f"{db}{suffix}")
        if stale.exists():
            os.remove(stale)
    for folder in (events, out_dir):
        if folder.exists():
            shutil.rmtree(folder)
    settings = settings.model_copy(update={"database_url": f"sqlite:///{db}", "event_dir": events})
    init_store(settings)
    ctx = open_context(settings)
    try:
        with writing(ctx, detail="demo") as unit:
            unit.put_meta(MADE_BY, "demo")
        for folder in (out_dir, events):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / MARKER).write_text("made by `shoutu demo`: it replaces this folder\n")
        config = run_config(
            people=people,
            days=days,
            seed=seed,
            scenario=scenario,
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
        data["screening"] = screening_summary(ctx, run_end(summary))
        data["chains"] = chain_summary(out_dir)
        data["trajectories"] = trajectory_summary(ctx, out_dir)
        data["community_zero"] = community_zero_summary(ctx, dt.date.fromisoformat(data["as_of"]))
        data["control"] = control_summary(ctx, run_end(summary) - dt.timedelta(seconds=1))
        data["areas"] = areas_summary(ctx, START, dt.date.fromisoformat(data["as_of"]))
        data["help_requests"] = help_summary(ctx, dt.date.fromisoformat(data["as_of"]), out_dir)
        data["board"] = board_summary(ctx, dt.date.fromisoformat(data["as_of"]))
        data["bulletin"] = bulletin_files(ctx, dt.date.fromisoformat(data["as_of"]), db)
        data["web"] = {"db": str(db), "events": str(events), "users": demo_users(ctx)}
        protocol, digest = ctx.protocol()
        provenance = build_provenance(
            command="demo",
            parameters={"people": people, "days": days, "seed": seed, "scenario": scenario},
            protocol=(protocol.name, digest),
        )
        data.pop("provenance", None)
        return DemoResult(run, data, events, provenance, settings)
    finally:
        ctx.close()


def board_summary(ctx: ServiceContext, day: dt.date, top: int = 5) -> dict[str, Any]:
    """The supervision board of the last day: the ``top`` late parties by district."""
    from shoutu.services.supervision.board import board

    found = board(ctx, day, level="district")
    return {"date": found["date"], "level": found["level"], "parties": found["parties"][:top]}


def bulletin_files(ctx: ServiceContext, day: dt.date, db: Path) -> dict[str, Any]:
    """The bulletin of the last day in Chinese, as HTML and PDF beside the demo database."""
    from shoutu.services.public.bulletin_text import publish

    written = {}
    for fmt in ("html", "pdf"):
        path = db.with_name(f"{db.stem}-bulletin.{fmt}")
        found, _ = publish(ctx, day, lang="zh", fmt=fmt, output=path)
        written[fmt] = str(path)
    return {"date": day.isoformat(), **written, "figures": found.figures}


def areas_summary(ctx: ServiceContext, first: dt.date, last: dt.date) -> dict[str, Any]:
    """Risk areas over the run, day by day: the day's cases propose areas, every proposal is
    approved (the demo stands in for the command centre), the daily run judges them; the public
    list of the last day (nothing when the protocol draws no areas from cases)."""
    from shoutu.services.control.area_run import run_areas
    from shoutu.services.control.areas import approve_areas, propose_areas
    from shoutu.services.public.areas import public_areas

    if ctx.protocol()[0].risk_areas is None:
        return {}
    proposed = approved = 0
    campaigns: set[int] = set()
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        proposed += len(propose_areas(ctx, day)["proposed"])
        decided = approve_areas(ctx, every=True)
        approved += len(decided)
        campaigns |= {a["campaign_id"] for a in decided if a["campaign_id"] is not None}
        run_areas(ctx, day)
    public = public_areas(ctx, last).as_json()
    return {
        "date": last.isoformat(),
        "proposed": proposed,
        "approved": approved,
        "campaigns": len(campaigns),  # mass-screening campaigns the areas started or joined
        "public": public,
    }


def community_zero_summary(ctx: ServiceContext, day: dt.date) -> dict[str, Any]:
    """Community zero per district on the demo's last day (nothing when the protocol in force
    sets no community_zero rule)."""
    from shoutu.services.control.community_zero import from_registry

    if ctx.protocol()[0].community_zero is None:
        return {}
    found = from_registry(ctx, day=day).as_json()
    found.pop("provenance")
    return found


def control_summary(ctx: ServiceContext, at: dt.datetime) -> dict[str, Any]:
    """The episodes of control in force at the end of the run (``at``), by kind, and the four
    "should" rates (四应) of its last day."""
    from shoutu.domain.timeutil import local_date
    from shoutu.services.control.coverage import coverage
    from shoutu.services.control.episode_list import in_force_by_kind

    day = local_date(at, ctx.settings.timezone)
    found = coverage(ctx, date=day, limit=0).as_json()
    return {
        "date": day.isoformat(),
        "episodes_in_force": in_force_by_kind(ctx, at),
        "coverage": {k: found[k] for k in ("date", "level", "protocol", "totals", "regions")},
    }


def screening_summary(ctx: ServiceContext, end: dt.datetime) -> dict[str, Any]:
    """Positivity by kind of test; the mass screening the simulator ran, as a campaign (a
    round per day with pooled mass-screening tubes, over the district that had most of them)
    with its coverage; key-population compliance over the last week."""
    from zoneinfo import ZoneInfo

    import numpy as np
    import pyarrow.compute as pc

    from shoutu.domain.vocabulary import Channel
    from shoutu.events.store import local_days, read_events
    from shoutu.services.screening.campaigns import campaign_status, create_campaign
    from shoutu.services.screening.key_populations import compliance
    from shoutu.services.screening.pool_advice import positivity
    from shoutu.store.repositories import places as places_repo

    result: dict[str, Any] = {"positivity": positivity(ctx)}
    tests = read_events(ctx.settings.event_dir, "tests")
    if tests.num_rows:
        mass = (
            pc.equal(tests["purpose"], Channel.MASS_SCREENING.value)
            if "purpose" in tests.column_names
            else pc.greater(tests["pool_size"], 1)
        )
        pooled = tests.filter(pc.and_(mass, pc.greater(tests["pool_size"], 1)).fill_null(False))
        if pooled.num_rows:
            with ctx.connect() as conn:
                sites = places_repo.regions(conn)
            districts = [
                (sites.get(s) or "")[:6] for s in pooled["site_id"].to_pylist() if s is not None
            ]
            values, counts = np.unique(np.asarray(districts, object), return_counts=True)
            district = str(values[int(np.argmax(counts))]) + "000000"
            days = sorted(set(local_days(pooled["sample_time"], ctx.settings.timezone).to_pylist()))
            gaps = [(b - a).days for a, b in pairwise(days)]
            gap = min(gaps) if gaps else 1
            start = dt.datetime.combine(days[0], dt.time(), ZoneInfo(ctx.settings.timezone))
            create_campaign(
                ctx,
                "demo-mass-screening",
                region_code=district,
                start_time=start,
                rounds=len(range(0, (days[-1] - days[0]).days + 1, gap)),
                round_hours=24,
                interval_hours=24 * gap,
            )
            status = campaign_status(ctx, "demo-mass-screening", now=end)
            result["campaign"] = {"name": "demo-mass-screening", "region": district}
            result["rounds"] = status.rounds
            result["areas_not_clear"] = sum(1 for c in status.clearance if c["rounds_needed"])
    report = compliance(ctx, (end - dt.timedelta(seconds=1)).date(), window_days=7)
    result["key_populations"] = report.by_category
    return result


def chain_summary(out_dir: Path, top: int = 8) -> dict[str, Any]:
    """Transmission clusters of the demo's cases (households, classes, offices, dormitories
    as links; the simulator's serial interval): the largest, and the cases with no known
    source."""
    from collections import Counter

    from shoutu.services.investigation.chains import chains_file

    cases = out_dir / "cases.parquet"
    if not cases.exists():
        return {}
    import pyarrow.parquet as pq

    if pq.read_metadata(cases).num_rows == 0:
        return {"clusters": [], "cases": 0, "no_known_source": 0}
    result = chains_file(
        cases,
        si_mean=SERIAL_INTERVAL[0],
        si_sd=SERIAL_INTERVAL[1],
        groups=out_dir / "groups.parquet",
    )
    origins = Counter(result.columns["origin"])
    return {
        "cases": len(result.columns["case_id"]),
        "no_known_source": origins["unknown"],
        "imported": origins["imported"],
        "clusters": [
            {"cluster": c.cluster_id, "cases": c.size, "generations": c.generations}
            for c in result.graph().clusters[:top]
        ],
    }


def trajectory_summary(ctx: ServiceContext, out_dir: Path) -> dict[str, Any]:
    """The de-identified trajectories the demo would publish (`shoutu trajectories`): how many
    place windows, at how many places, of which types."""
    from collections import Counter

    from shoutu.services.public.trajectories import TrajectoryInputs, publish_trajectories

    checkins, cases = out_dir / "checkins.parquet", out_dir / "cases.parquet"
    if not (cases.exists() and checkins.exists()):
        return {}
    table = publish_trajectories(
        ctx, TrajectoryInputs(checkins, cases), places=out_dir / "places.parquet"
    ).windows
    types = Counter(t for t in table["type"].to_pylist() if t)
    return {
        "windows": table.num_rows,
        "places": len(set(table["place_id"].to_pylist())),
        "types": types.most_common(5),
    }


SERIAL_INTERVAL = (3.3, 2.0)  # the simulator's emergent Omicron serial interval (mean, sd)


#: the demo's web users: a role each, over the whole city or its most populous district
DEMO_ROLES = {
    Role.ADMIN: "city",
    Role.COMMANDER: "city",
    Role.EPIDEMIOLOGIST: "city",
    Role.COMMUNITY_WORKER: "district",
    Role.LAB: "city",
    Role.KEY_PLACE: "district",
    Role.OBSERVER: "city",
    Role.API_CLIENT: "city",
}


def demo_users(ctx: ServiceContext) -> list[dict[str, Any]]:
    """One web user per role (``demo-<role>``; a district's are in the most populous of the
    city's districts), each with a fresh random password, returned
    once so the demo can print it: demo-only accounts in a demo-only database."""
    from shoutu.services.access.users import add_user
    from shoutu.store.repositories import regions as regions_repo

    with ctx.connect() as conn:
        parents = regions_repo.parents(conn)
        populations = regions_repo.populations(conn)
    roots = sorted(code for code, parent in parents.items() if not parent)
    if not roots:
        return []
    children: dict[str, list[str]] = {}
    for code, parent in sorted(parents.items()):
        if parent:
            children.setdefault(parent, []).append(code)
    top = roots[0]
    while len(children.get(top, [])) == 1:  # a city's only 市辖区: its districts are below
        top = children[top][0]
    district = max(children.get(top, [top]), key=lambda c: populations.get(c) or 0)
    users = []
    for role, level in DEMO_ROLES.items():
        password = secrets.token_urlsafe(12)
        scope = roots[0] if level == "city" else district
        user = add_user(ctx, f"demo-{role.value}", role=role, scope=scope, password=password)
        users.append(
            {"username": user["username"], "role": role.value, "scope": scope, "password": password}
        )
    return users


def outbreak_analytics(out_dir: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """R_t of the demo's reported cases (citywide, by report day) and space-time clusters of
    cases by home community over the last week, through the same services as the commands
    (over tables in memory: nothing is written)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from shoutu.analytics.rt import min_cases_for_cv
    from shoutu.events.store import local_days
    from shoutu.io.provenance import as_arrow
    from shoutu.io.series import ALL, DailySeries
    from shoutu.services.surveillance.rt import estimate_rt
    from shoutu.services.surveillance.scan import scan_tables

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
    local_count = {d: 0 for d in dates}
    imported_count = {d: 0 for d in dates}
    for d, is_imported in zip(day, imported, strict=True):
        (imported_count if is_imported else local_count)[d] += 1
    series = DailySeries.from_counts(
        [ALL],
        start,
        np.array([[local_count[d] for d in dates]], float),
        np.array([[imported_count[d] for d in dates]], float),
    )
    rt_rows = (
        as_arrow(
            estimate_rt(series, si_mean=SERIAL_INTERVAL[0], si_sd=SERIAL_INTERVAL[1]).columns
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
    centroids = pa.table(
        {
            "region": [r["code"] for r in communities],
            "lat": [r["lat"] for r in communities],
            "lon": [r["lon"] for r in communities],
        }
    )
    per_case = pa.table({"date": day, "region": region})
    clusters = scan_tables(per_case, centroids, replications=199, seed=1).columns
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
