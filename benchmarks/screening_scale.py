"""Benchmark: mass screening at city scale.

Set-up (not timed, printed): a registry (SQLite) with --people residents in 5,000 communities,
registered through a bulk insert of the people rows (no personal data), and its columnar roster
snapshot; a results file of --people PCR samples in 10-in-1 tubes (one tube in a thousand
positive) over one day, Parquet.

Timed, whole process each (goal: ingest and validate 10 million results in under 60 s, resolve
the positive pools; coverage per community in under 10 s):
1. `shoutu import results results.parquet` — read, validate every rule, store in the event
   store, recall the members of the positive tubes (tasks, temporary control);
2. `shoutu screening status CAMPAIGN` — coverage of the round per community.
There is no peer to run: cities did this on spreadsheets (none of SORMAS, Go.Data, DHIS2 knows
pooled samples), so the figures stand alone.

    python benchmarks/screening_scale.py [--people 10000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from _timing import run_once

SHOUTU = Path(sys.executable).with_name("shoutu")
CITY = "990100000000"
DAY = dt.datetime(2022, 4, 2, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def regions_csv(path: Path) -> list[str]:
    """A city, 10 districts, 10 towns each, 50 communities each (5,000 communities)."""
    lines = ["code,name_zh,name_en,population"]
    lines.append("990000000000,示范省,Demo Province,")
    lines.append(f"{CITY},示范市,Demo City,")
    communities = []
    for d in range(1, 11):
        district = f"9901{d:02d}000000"
        lines.append(f"{district},区{d},District {d},")
        for t in range(1, 11):
            town = f"9901{d:02d}{t:03d}000"
            lines.append(f"{town},街道{d}-{t},Town {d}-{t},")
            for c in range(1, 51):
                community = f"9901{d:02d}{t:03d}{c:03d}"
                lines.append(f"{community},社区{d}-{t}-{c},Community {d}-{t}-{c},")
                communities.append(community)
    path.write_text("\n".join(lines) + "\n")
    return communities


def bulk_people(db: Path, communities: list[str], people: int) -> None:
    """The bulk path: people rows straight into the people table (ids, home, sex)."""
    rng = np.random.default_rng(1)
    home = rng.integers(0, len(communities), people)
    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA journal_mode = MEMORY")
    step = 500_000
    for start in range(0, people, step):
        stop = min(start + step, people)
        conn.executemany(
            "INSERT INTO people (person_id, sex, home_region_code, vaccination_doses, synthetic,"
            " created_at, updated_at, updated_by) VALUES (?, 'female', ?, 0, 1, ?, ?, 'bench')",
            ((i + 1, communities[home[i]], now, now) for i in range(start, stop)),
        )
    conn.commit()
    conn.close()


def results_file(path: Path, people: int) -> int:
    """One sample per person in 10-in-1 tubes; one tube in a thousand positive."""
    rng = np.random.default_rng(2)
    order = rng.permutation(people) + 1
    tube = np.arange(people) // 10
    positive_tubes = rng.random(tube[-1] + 1) < 0.001
    positive = positive_tubes[tube]
    start = int(DAY.timestamp() * 1e6)
    sample = start + (rng.random(people) * 16 * 3600e6).astype(np.int64)
    ct = np.where(positive, np.round(rng.normal(30, 3, people), 1), np.nan)
    table = pa.table(
        {
            "sample_id": pa.array(
                np.char.add("S", np.char.zfill(np.arange(people).astype(str), 9))
            ),
            "tube_id": pa.array(np.char.add("T", np.char.zfill(tube.astype(str), 8))),
            "pool_size": pa.array(np.full(people, 10, np.int32)),
            "person_id": pa.array(order.astype(np.int64)),
            "sample_time": pa.array(sample, pa.timestamp("us", tz="UTC")),
            "result_time": pa.array(sample + int(6 * 3600e6), pa.timestamp("us", tz="UTC")),
            "method": pa.array(np.full(people, "pcr")),
            "result": pa.array(np.where(positive, "positive", "negative")),
            "ct_n": pa.array(ct, mask=np.isnan(ct)),
            "ct_orf1ab": pa.array(ct + 1, mask=np.isnan(ct)),
            "purpose": pa.array(np.full(people, "mass_screening")),
        }
    )
    pq.write_table(table, path)
    return int(positive_tubes.sum())


def run(command: list[str], env: dict[str, str]) -> tuple[float, dict[str, object], int]:
    """Seconds, JSON output and peak memory (MB) of a whole `shoutu` process."""
    seconds, peak, out = run_once(command, env=env)
    return seconds, json.loads(out), int(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="screening-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SHOUTU_DATABASE_URL": f"sqlite:///{work / 'shoutu.db'}",
        "SHOUTU_EVENT_DIR": str(work / "events"),
        "SHOUTU_KEY_FILE": str(work / "shoutu.key"),
        "SHOUTU_USER": "bench",
    }
    t0 = time.perf_counter()
    subprocess.run([str(SHOUTU), "init"], env=env, check=True, capture_output=True)
    communities = regions_csv(work / "regions.csv")
    subprocess.run(
        [str(SHOUTU), "import", "regions", str(work / "regions.csv")],
        env=env,
        check=True,
        capture_output=True,
    )
    bulk_people(work / "shoutu.db", communities, args.people)
    registered = time.perf_counter() - t0
    t1 = time.perf_counter()
    snapshot = (
        "from shoutu.settings import get_settings\n"
        "from shoutu.services.context import open_context\n"
        "from shoutu.services.registry.roster import roster\n"
        "ctx = open_context(get_settings()); print(roster(ctx).num_rows); ctx.close()\n"
    )
    subprocess.run([sys.executable, "-c", snapshot], env=env, check=True, capture_output=True)
    snapshotted = time.perf_counter() - t1
    positive_tubes = results_file(work / "results.parquet", args.people)
    print(
        f"set-up: {args.people:,} people registered (bulk) in {registered:.1f} s, roster "
        f"snapshot {snapshotted:.1f} s; {args.people:,} results in {args.people // 10:,} "
        f"10-in-1 tubes, {positive_tubes:,} positive"
    )
    seconds, body, peak = run(
        [str(SHOUTU), "import", "results", str(work / "results.parquet"), "--json"], env
    )
    result = body["result"]
    assert isinstance(result, dict)
    print(
        f"shoutu import results   {seconds:6.1f} s  (whole process, peak {peak:,} MB): "
        f"{result['new']:,} stored; workflow {result['workflow']}  goal < 60 s"
    )
    subprocess.run(
        [
            str(SHOUTU),
            "screening",
            "campaign",
            "bench",
            "--region",
            CITY,
            "--start",
            DAY.isoformat(),
            "--rounds",
            "1",
            "--round-hours",
            "24",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    seconds, status, peak = run([str(SHOUTU), "screening", "status", "bench", "--json"], env)
    rounds = status["rounds"]
    assert isinstance(rounds, list)
    print(
        f"shoutu screening status {seconds:6.1f} s  (whole process, peak {peak:,} MB): "
        f"round 1 coverage {rounds[0]['coverage']:.1%} of {rounds[0]['expected']:,} over "
        f"{len(status['areas']):,} communities  goal < 10 s"  # type: ignore[arg-type]
    )
    if args.keep is None:
        import shutil

        shutil.rmtree(work)


if __name__ == "__main__":
    main()
