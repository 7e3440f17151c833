"""Benchmark: one day's signals at city scale.

Set-up (not timed, printed; ``--keep DIR`` keeps it and a later run with the same folder reuses
it): a registry (SQLite) with --people residents in 5,000 communities of 10 districts (bulk
rows, as in benchmarks/screening_scale.py), 500 clinics and 2,000 pharmacies, the reported
cases of --days days (bulk rows), and the registry's columnar roster snapshot; an event store
of --days days with --tests-per-day tests a day (everyone's pooled PCR or an antigen
self-test, every column the lab-results import stores), clinic visits and pharmacy sales; an
outbreak grows in district 1 over the last week.

Timed, whole process each, the median of --runs runs:
1. ours: ``shoutu signals run --date LAST`` with the default detectors (EARS C2 per district
   on reported cases, ILI visits, fever-medicine sales and antigen positives), the registry
   restored before each run so that every run records the same signals;
2. the floor: a plain DuckDB recount of the same four channels' counts per local day and
   district (cases and places from one SQLite query each, the event files and the roster
   snapshot in one DuckDB session) — no detectors, no signals, no checks.
Ours must count what the floor counts (checked once, not timed). Goal: under 60 s at 10
million people with 10 million tests a day over 28 days.

``--city`` sets up a simulated city instead (the demo's: ``shoutu simulate --people N --days
D``, then ``shoutu init`` and ``shoutu import simulation``; --tests-per-day is ignored): the
trust issue's acceptance case is ``--city --people 100000 --days 30`` (goal: under 30 s).

    python benchmarks/signals_scale.py [--people 10000000] [--tests-per-day 10000000]
        [--days 28] [--runs 3] [--keep DIR] [--city]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _timing import run_once, timed
from screening_scale import regions_csv

SHOUTU = Path(sys.executable).with_name("shoutu")
ZONE = "Asia/Shanghai"
START = dt.date(2022, 3, 1)
CLINICS, PHARMACIES = 50, 200  # per district
#: the registry's columnar roster snapshot, made in the set-up (untimed)
ROSTER = (
    "from shoutu.settings import get_settings\n"
    "from shoutu.services.context import open_context\n"
    "from shoutu.services.registry.roster import roster\n"
    "ctx = open_context(get_settings()); roster(ctx); ctx.close()\n"
)
CHANNELS = ("cases_report", "ili_visits", "sales_fever", "antigen_positives")
UTC_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai has no daylight saving


def homes(people: int) -> np.ndarray:
    """Each person's community (index into the 5,000, district-major)."""
    return np.random.default_rng(1).integers(0, 5000, people)


def growth(day: int, days: int) -> float:
    """District 1's multiplier: 1 until the last week, then 1.6 a day."""
    return float(1.6 ** max(0, day - (days - 8)))


def local_start(day: int) -> int:
    """Microseconds since the epoch of the local midnight starting ``day``."""
    midnight = dt.datetime.combine(START + dt.timedelta(days=day), dt.time(), dt.UTC)
    return int((midnight - UTC_OFFSET).timestamp() * 1e6)


def registry(work: Path, env: dict[str, str], people: int, days: int) -> None:
    """Regions by the CLI; places, people and cases as bulk rows."""
    subprocess.run([str(SHOUTU), "init"], env=env, check=True, capture_output=True)
    communities = regions_csv(work / "regions.csv")
    subprocess.run(
        [str(SHOUTU), "import", "regions", str(work / "regions.csv")],
        env=env,
        check=True,
        capture_output=True,
    )
    rng = np.random.default_rng(2)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    conn = sqlite3.connect(work / "shoutu.db")
    conn.execute("PRAGMA synchronous = OFF")
    places = []
    for district in range(10):
        for k in range(CLINICS + PHARMACIES):
            kind = "clinic" if k < CLINICS else "pharmacy"
            community = communities[district * 500 + int(rng.integers(500))]
            places.append((len(places) + 1, f"{kind} {len(places) + 1}", kind, community))
    conn.executemany(
        "INSERT INTO places (place_id, name, type, region_code, created_at, updated_at,"
        " updated_by) VALUES (?, ?, ?, ?, ?, ?, 'bench')",
        ((*p, now, now) for p in places),
    )
    home = homes(people)
    step = 500_000
    for start in range(0, people, step):
        conn.executemany(
            "INSERT INTO people (person_id, sex, home_region_code, vaccination_doses, synthetic,"
            " created_at, updated_at, updated_by) VALUES (?, 'female', ?, 0, 1, ?, ?, 'bench')",
            (
                (i + 1, communities[home[i]], now, now)
                for i in range(start, min(start + step, people))
            ),
        )
    members = [np.flatnonzero(home // 500 == district) for district in range(10)]
    cases = []
    for day in range(days):
        for district in range(10):
            n = rng.poisson(30 * (growth(day, days) if district == 0 else 1.0))
            for person in rng.choice(members[district], n):
                at = local_start(day) + int(rng.integers(0, 86_400_000_000))
                stamp = dt.datetime.fromtimestamp(at / 1e6, dt.UTC).replace(tzinfo=None)
                cases.append((int(person) + 1, communities[home[person]], stamp.isoformat(" ")))
    conn.executemany(
        "INSERT INTO cases (person_id, classification, origin, channel, found_in_control,"
        " region_code, report_time, status, protocol, created_at, updated_at, updated_by)"
        " VALUES (?, 'confirmed', 'local', 'fever_clinic', 0, ?, ?, 'active', 'cn-9th-2022',"
        " ?, ?, 'bench')",
        ((*c, now, now) for c in cases),
    )
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def generate(work: Path, people: int, tests_per_day: int, days: int) -> None:
    """The event store, a day at a time (run in its own process)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from shoutu.events.store import write_events

    home = homes(people)
    district = home // 500
    events = work / "events"
    utc = pa.timestamp("us", tz="UTC")
    for day in range(days):
        rng = np.random.default_rng(100 + day)
        boost = np.where(district == 0, growth(day, days), 1.0)
        n = tests_per_day
        person = rng.permutation(people)[:n] if n <= people else rng.integers(0, people, n)
        sample = local_start(day) + rng.integers(0, 86_400_000_000, n)
        antigen = rng.random(n) < 0.2
        tube = np.cumsum(~antigen) // 10
        tube_positive = rng.random(int(tube[-1]) + 1) < 0.002
        positive = np.where(
            antigen, rng.random(n) < 0.0005 * boost[person], tube_positive[tube] & ~antigen
        )
        ct = np.where(positive & ~antigen, np.round(rng.normal(30, 3, n), 1), np.nan)
        ids = pc.cast(pa.array(np.arange(n)), pa.string())
        tubes = pc.cast(pa.array(tube), pa.string())
        table = pa.table(
            {
                "sample_id": pc.binary_join_element_wise(f"D{day:02d}S", ids, ""),
                "tube_id": pc.if_else(
                    pa.array(antigen), ids, pc.binary_join_element_wise(f"D{day:02d}T", tubes, "")
                ),
                "pool_size": pa.array(np.where(antigen, 1, 10).astype(np.int32)),
                "person_id": pa.array(person.astype(np.int64) + 1),
                "site_id": pa.array(rng.integers(1, 2000, n)),
                "lab_id": pa.array(rng.integers(1, 40, n)),
                "sample_time": pa.array(sample, utc),
                "result_time": pa.array(sample + 6 * 3_600_000_000, utc),
                "method": pa.array(np.where(antigen, "antigen", "pcr")),
                "result": pa.array(np.where(positive, "positive", "negative")),
                "ct_n": pa.array(ct, mask=np.isnan(ct)),
                "ct_orf1ab": pa.array(ct + 1, mask=np.isnan(ct)),
                "purpose": pa.array(np.where(antigen, "antigen_self_test", "mass_screening")),
            }
        )
        write_events(events, "tests", table, ZONE, f"bench-tests-{day:02d}")
        del table
        visit_people = rng.integers(0, people, max(people // 500, 10))
        sick = rng.random(len(visit_people)) < 0.3 * boost[visit_people]
        d = district[visit_people]
        visit_time = local_start(day) + rng.integers(0, 86_400_000_000, len(d))
        visits = pa.table(
            {
                "person_id": pa.array(visit_people + 1),
                "place_id": pa.array(
                    d * (CLINICS + PHARMACIES) + rng.integers(0, CLINICS, len(d)) + 1
                ),
                "time": pa.array(visit_time, utc),
                "reason": pa.array(np.where(sick, "ili", "other")),
            }
        )
        write_events(events, "visits", visits, ZONE, f"bench-visits-{day:02d}")
        buyers = rng.integers(0, people, max(people // 300, 10))
        b = district[buyers]
        fever = rng.random(len(b)) < np.minimum(0.4 * boost[buyers], 0.95)
        category = np.where(
            fever, "fever", np.where(rng.random(len(b)) < 0.5, "cough", "antigen_kit")
        )
        sales = pa.table(
            {
                "place_id": pa.array(
                    b * (CLINICS + PHARMACIES) + CLINICS + rng.integers(0, PHARMACIES, len(b)) + 1
                ),
                "time": pa.array(local_start(day) + rng.integers(0, 86_400_000_000, len(b)), utc),
                "category": pa.array(category),
                "quantity": pa.array(rng.integers(1, 4, len(b)).astype(np.int32)),
            }
        )
        write_events(events, "sales", sales, ZONE, f"bench-sales-{day:02d}")
        print(f"day {day + 1}/{days}", file=sys.stderr, flush=True)


def floor(work: Path, out: Path | None) -> None:
    """The plain recount: per channel, local day and district (run in its own process)."""
    import duckdb
    import pyarrow as pa

    conn = sqlite3.connect(work / "shoutu.db")
    case_rows = conn.execute("SELECT report_time, region_code FROM cases").fetchall()
    place_rows = conn.execute("SELECT place_id, region_code FROM places").fetchall()
    conn.close()
    cases = pa.table({"time": [t for t, _ in case_rows], "code": [c for _, c in case_rows]})
    places = pa.table({"place_id": [p for p, _ in place_rows], "code": [c for _, c in place_rows]})
    con = duckdb.connect()
    con.execute("SET memory_limit = '4GB'")
    con.execute("SET TimeZone = 'UTC'")
    con.register("cases", cases)
    con.register("places", places)
    events, roster = work / "events", work / "events" / "roster" / "people.parquet"
    day = f"CAST(timezone('{ZONE}', CAST({{}} AS TIMESTAMPTZ)) AS DATE)"
    district = "substr({}, 1, 6) || '000000'"
    sql = f"""
    SELECT 'cases_report' AS channel, {day.format("CAST(time AS TIMESTAMP)")} AS day,
           {district.format("code")} AS district, count(*)::DOUBLE AS count
    FROM cases GROUP BY ALL
    UNION ALL
    SELECT 'ili_visits', {day.format("v.time")}, {district.format("p.code")}, count(*)
    FROM read_parquet('{events}/visits/*/*.parquet') v JOIN places p USING (place_id)
    WHERE v.reason = 'ili' GROUP BY ALL
    UNION ALL
    SELECT 'sales_fever', {day.format("s.time")}, {district.format("p.code")}, sum(s.quantity)
    FROM read_parquet('{events}/sales/*/*.parquet') s JOIN places p USING (place_id)
    WHERE s.category = 'fever' GROUP BY ALL
    UNION ALL
    SELECT 'antigen_positives', {day.format("t.sample_time")},
           {district.format("r.home_region_code")}, count(*)
    FROM read_parquet('{events}/tests/*/*.parquet') t
    JOIN read_parquet('{roster}') r USING (person_id)
    WHERE t.method = 'antigen' AND t.result = 'positive' GROUP BY ALL
    """
    counts = pa.table(con.execute(sql).arrow())
    if out is not None:
        import pyarrow.parquet as pq

        pq.write_table(counts, out)
    print(json.dumps({"cells": counts.num_rows}))


def check(work: Path, counted: Path) -> None:
    """Ours against the floor's counts, every channel, day and district (own process)."""
    import pyarrow.parquet as pq

    from shoutu.domain.vocabulary import RegionLevel
    from shoutu.services.context import open_context
    from shoutu.services.surveillance.channels import channel_series
    from shoutu.settings import get_settings

    plain = {
        (r["channel"], r["day"].isoformat(), r["district"]): r["count"]
        for r in pq.read_table(counted).to_pylist()
    }
    ctx = open_context(get_settings())
    ours = {}
    for channel in CHANNELS:
        series = channel_series(ctx, channel, level=RegionLevel.DISTRICT)
        for day, region, count in zip(
            series["date"], series["region"], series["count"], strict=True
        ):
            if count:
                ours[(channel, day, region)] = count
    ctx.close()
    print(json.dumps({"equal": ours == plain, "cells": len(ours), "total": sum(ours.values())}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000_000)
    parser.add_argument("--tests-per-day", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--city", action="store_true", help="a simulated city (see above)")
    parser.add_argument("--stage", choices=("generate", "floor", "check"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="signals-"))
    if args.stage == "generate":
        return generate(work, args.people, args.tests_per_day, args.days)
    if args.stage == "floor":
        return floor(work, args.out)
    env = {
        **os.environ,
        "SHOUTU_DATABASE_URL": f"sqlite:///{work / 'shoutu.db'}",
        "SHOUTU_EVENT_DIR": str(work / "events"),
        "SHOUTU_KEY_FILE": str(work / "shoutu.key"),
        "SHOUTU_TIMEZONE": ZONE,
        "SHOUTU_USER": "bench",
    }
    if args.stage == "check":
        return check(work, args.out)
    me = [sys.executable, __file__, "--keep", str(work)]
    sizes = ["--people", str(args.people), "--days", str(args.days)]
    pristine = work / "pristine.db"
    work.mkdir(parents=True, exist_ok=True)
    if not pristine.exists() and args.city:
        t0 = time.perf_counter()
        run = work / "run"
        for command in (
            [
                "simulate",
                "--people",
                str(args.people),
                "--days",
                str(args.days),
                "--seed",
                "1",
                "--start-date",
                START.isoformat(),
                "--out",
                str(run),
            ],
            ["init"],
            ["import", "simulation", str(run)],
        ):
            subprocess.run([str(SHOUTU), *command], env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-c", ROSTER], env=env, check=True)
        print(
            f"set-up: a simulated city of {args.people:,} people, {args.days} days, "
            f"in {time.perf_counter() - t0:.0f} s"
        )
        shutil.copyfile(work / "shoutu.db", pristine)
    if not pristine.exists():
        t0 = time.perf_counter()
        registry(work, env, args.people, args.days)
        subprocess.run([sys.executable, "-c", ROSTER], env=env, check=True)
        registered = time.perf_counter() - t0
        t1 = time.perf_counter()
        subprocess.run(
            [*me, *sizes, "--tests-per-day", str(args.tests_per_day), "--stage", "generate"],
            env=env,
            check=True,
        )
        print(
            f"set-up: registry of {args.people:,} people in {registered:.0f} s; event store of "
            f"{args.days} days x {args.tests_per_day:,} tests in {time.perf_counter() - t1:.0f} s"
        )
        shutil.copyfile(work / "shoutu.db", pristine)
    last = (START + dt.timedelta(days=args.days - 1)).isoformat()
    ours_command = [str(SHOUTU), "signals", "run", "--date", last, "--json"]
    runs = []
    for _ in range(args.runs):
        for suffix in ("-wal", "-shm"):
            Path(f"{work / 'shoutu.db'}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(pristine, work / "shoutu.db")
        seconds, peak, out = run_once(ours_command, env=env)
        runs.append((seconds, peak, json.loads(out)))
    ours = sorted(s for s, _, _ in runs)[len(runs) // 2]
    counted = work / "floor.parquet"
    run_once([*me, "--stage", "floor", "--out", str(counted)], env=env)
    plain = timed([*me, "--stage", "floor"], args.runs, quiet=True, env=env)
    _, _, checked = run_once([*me, "--stage", "check", "--out", str(counted)], env=env)
    result = json.loads(checked)
    print(
        f"ours  shoutu signals run --date {last}: {ours:6.1f} s median of "
        f"{', '.join(f'{s:.1f}' for s, _, _ in runs)} (peak {max(p for _, p, _ in runs):,.0f} "
        f"MB); signals {runs[0][2]}  goal < {30 if args.city else 60} s"
    )
    print(
        f"floor plain DuckDB recount of the 4 channels: {plain.median:6.1f} s median of "
        f"{plain.runs} (peak {plain.peak_mb:,.0f} MB)"
    )
    print(
        f"ratio ours / floor: {ours / plain.median:.2f}; counts equal: {result['equal']} "
        f"({result['cells']:,} day-district cells, {result['total']:,.0f} counted)"
    )
    if args.keep is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
