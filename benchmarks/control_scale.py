"""Benchmark: control at city scale — episodes for the day's contacts, and the day's four
"should" rates (四应) — beside a plain DuckDB computation of the same numbers as the floor.

Set-up (not timed, printed): a SQLite registry of --people residents in 5,000 communities
(bulk insert of the people rows, no personal data; 2% in key populations tested every 1 or
3.5 days), 1,000 cases, a mass-screening campaign over the city with one PCR sample per
resident in 10-in-1 tubes (`import results`), all on 2 April 2022.

Timed, whole process each (the issue's goals: under 30 s and under 15 s):
1. `shoutu import contacts` of --contacts contacts (3 close to 1 secondary): validated,
   recorded, each opening its episode by cn-9th's stage rule with its dated test tasks, all in
   one audited unit of work; the floor: DuckDB computing the same stage ends and test days
   (one row per test day) from the same CSV into a table.
2. `shoutu control coverage --date 2022-04-02`: who was due a test (episode test days, the
   key-population intervals, the campaign's round) against who was sampled, contacts under
   control in time, cases isolated, people followed up, per district; the floor: DuckDB
   recounting the 应检尽检 rate per district from the same Parquet files (the roster, the
   day's results, the episodes exported untimed).

    python benchmarks/control_scale.py [--people 10000000] [--contacts 100000] [--runs 3]
        [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from _timing import run_once
from screening_scale import CITY, DAY, regions_csv, results_file

SHOUTU = Path(sys.executable).with_name("shoutu")
CASES = 1000
FLOOR_CONTACTS = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute('''
CREATE TABLE planned AS
WITH c AS (SELECT *, CAST(last_exposure_time AS TIMESTAMP) AS anchor
           FROM read_csv_auto('{contacts}', header = true)),
days AS (SELECT * FROM (VALUES ('close', 1), ('close', 2), ('close', 3), ('close', 5),
                               ('close', 7), ('close', 10), ('secondary', 1),
                               ('secondary', 4), ('secondary', 7)) t(kind, k))
SELECT c.index_case_id, c.person_id, c.kind,
       c.anchor + INTERVAL (CASE WHEN c.kind = 'close' THEN 10 ELSE 7 END) DAY AS planned_end,
       CAST(date_trunc('day', c.anchor + INTERVAL (d.k - 1) DAY)
            + CASE WHEN date_trunc('day', c.anchor + INTERVAL (d.k - 1) DAY)
                        < c.anchor + INTERVAL (d.k - 1) DAY THEN INTERVAL 1 DAY
                   ELSE INTERVAL 0 DAY END AS DATE) AS test_day
FROM c JOIN days d ON d.kind = c.kind
''')
print(con.execute('SELECT count(*) FROM planned').fetchone()[0])
"""
FLOOR_COVERAGE = """
import duckdb
con = duckdb.connect()
con.execute("SET memory_limit = '6GB'")
con.execute("SET enable_progress_bar = false")
rows = con.execute('''
WITH roster AS (SELECT person_id, home_region_code, key_population
                FROM read_parquet('{roster}')),
day AS (SELECT DISTINCT person_id FROM read_parquet('{tests}')
        WHERE method = 'pcr' AND sample_time >= TIMESTAMPTZ '{start}'
          AND sample_time < TIMESTAMPTZ '{end}'),
episodes AS (SELECT DISTINCT person_id FROM read_parquet('{episodes}')
             WHERE stages LIKE '%{date}%'),
keypop AS (SELECT person_id FROM roster WHERE key_population IS NOT NULL),
due AS (SELECT person_id FROM episodes UNION SELECT person_id FROM keypop
        UNION SELECT person_id FROM roster)
SELECT substr(r.home_region_code, 1, 6) AS district, count(*) AS due,
       count(day.person_id) AS met
FROM due JOIN roster r USING (person_id) LEFT JOIN day USING (person_id)
GROUP BY 1 ORDER BY 1
''').fetchall()
print(len(rows), sum(r[1] for r in rows), sum(r[2] for r in rows))
"""


def bulk_people(db: Path, communities: list[str], people: int) -> None:
    """People rows straight into the table: home, sex, and 2% in key populations."""
    rng = np.random.default_rng(1)
    home = rng.integers(0, len(communities), people)
    kinds = np.array(["port_worker", "cold_chain", "delivery", "market"], object)
    key = np.where(rng.random(people) < 0.02, kinds[rng.integers(0, 4, people)], None)
    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous = OFF")
    step = 500_000
    for start in range(0, people, step):
        stop = min(start + step, people)
        conn.executemany(
            "INSERT INTO people (person_id, sex, home_region_code, key_population,"
            " vaccination_doses, synthetic, created_at, updated_at, updated_by)"
            " VALUES (?, 'female', ?, ?, 0, 1, ?, ?, 'bench')",
            ((i + 1, communities[home[i]], key[i], now, now) for i in range(start, stop)),
        )
    conn.commit()
    conn.close()


def cases_csv(path: Path) -> None:
    lines = [
        "case_id,person_id,classification,origin,channel,found_in_control,report_time,protocol"
    ]
    lines += [
        f"{i + 1},{i + 1},confirmed,local,fever_clinic,false,2022-04-01T20:00,cn-9th-2022"
        for i in range(CASES)
    ]
    path.write_text("\n".join(lines) + "\n")


def contacts_csv(path: Path, people: int, contacts: int) -> None:
    """Contacts of the cases, found on 2 April: exposed on 1 April, each person once."""
    rng = np.random.default_rng(4)
    persons = rng.choice(np.arange(CASES + 1, people + 1), contacts, replace=False)
    hours = rng.integers(0, 24, contacts)
    lines = ["index_case_id,person_id,kind,setting,last_exposure_time,identified_time"]
    for j, (p, h) in enumerate(zip(persons, hours, strict=True)):
        kind = "secondary" if j % 4 == 0 else "close"
        lines.append(
            f"{j % CASES + 1},{p},{kind},venue,2022-04-01T{h:02d}:00,2022-04-02T{8 + h % 12:02d}:00"
        )
    path.write_text("\n".join(lines) + "\n")


def shoutu(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([str(SHOUTU), *args], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"shoutu {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def export_episodes(db: Path, path: Path) -> None:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT person_id, kind, stages FROM control_measures").fetchall()
    conn.close()
    table = pa.table(
        {
            "person_id": pa.array([r[0] for r in rows], pa.int64()),
            "kind": pa.array([r[1] for r in rows], pa.string()),
            "stages": pa.array([r[2] or "" for r in rows], pa.string()),
        }
    )
    pq.write_table(table, path)


def median(
    command: list[str],
    env: dict[str, str],
    runs: int,
    reset: Path | None = None,
    base: Path | None = None,
) -> tuple[float, str, str]:
    times, out = [], ""
    for _ in range(runs):
        if reset is not None and base is not None:
            reset.write_bytes(base.read_bytes())
        seconds, _, out = run_once(command, env=env)
        times.append(seconds)
    return statistics.median(times), ", ".join(f"{t:.1f}" for t in times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="control-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "shoutu.db"
    env = {
        **os.environ,
        "SHOUTU_DATABASE_URL": f"sqlite:///{db}",
        "SHOUTU_EVENT_DIR": str(work / "events"),
        "SHOUTU_KEY_FILE": str(work / "shoutu.key"),
        "SHOUTU_USER": "bench",
        "SHOUTU_PROTOCOL": "cn-9th-2022",
    }
    t0 = time.perf_counter()
    shoutu(["init"], env)
    communities = regions_csv(work / "regions.csv")
    shoutu(["import", "regions", str(work / "regions.csv")], env)
    bulk_people(db, communities, args.people)
    cases_csv(work / "cases.csv")
    shoutu(["import", "cases", str(work / "cases.csv")], env)
    results_file(work / "results.parquet", args.people)
    shoutu(["import", "results", str(work / "results.parquet")], env)
    start = DAY.replace(hour=0)
    shoutu(
        [
            "screening",
            "campaign",
            "bench",
            "--region",
            CITY,
            "--start",
            start.isoformat(),
            "--rounds",
            "1",
            "--round-hours",
            "24",
        ],
        env,
    )
    contacts_csv(work / "contacts.csv", args.people, args.contacts)
    base = work / "base.db"
    base.write_bytes(db.read_bytes())
    print(
        f"set-up {time.perf_counter() - t0:.0f} s: {args.people:,} people, {CASES:,} cases, "
        f"{args.people:,} mass-screening results; {args.contacts:,} contacts to import"
    )
    ours, runs, out = median(
        [str(SHOUTU), "import", "contacts", str(work / "contacts.csv"), "--json"],
        env,
        args.runs,
        reset=db,
        base=base,
    )
    done = json.loads(out)["result"]
    code = FLOOR_CONTACTS.format(contacts=work / "contacts.csv")
    floor, floor_runs, _ = median([sys.executable, "-c", code], env, args.runs)
    print(
        f"import contacts  ours {ours:6.1f} s ({runs}): {done['episodes_opened']:,} episodes, "
        f"{done['test_tasks']:,} test tasks; DuckDB floor {floor:.2f} s ({floor_runs}); "
        f"ratio {ours / floor:.0f}x  goal < 30 s"
    )
    export_episodes(db, work / "episodes.parquet")
    day = DAY.date().isoformat()
    ours, runs, out = median(
        [str(SHOUTU), "control", "coverage", "--date", day, "--json", "--list-limit", "0"],
        env,
        args.runs,
    )
    totals = json.loads(out)["totals"]
    lo = dt.datetime.combine(DAY.date(), dt.time(), DAY.tzinfo)
    code = FLOOR_COVERAGE.format(
        roster=work / "events" / "roster" / "people.parquet",
        tests=work / "events" / "tests" / "*" / "*.parquet",
        episodes=work / "episodes.parquet",
        start=lo.isoformat(),
        end=(lo + dt.timedelta(days=1)).isoformat(),
        date=day,
    )
    floor, floor_runs, floor_out = median([sys.executable, "-c", code], env, args.runs)
    print(
        f"control coverage ours {ours:6.1f} s ({runs}): tested {totals['test']['met']:,} of "
        f"{totals['test']['due']:,}, contacts controlled {totals['isolate']['met']:,} of "
        f"{totals['isolate']['due']:,}; DuckDB floor {floor:.2f} s ({floor_runs}; districts, "
        f"due, met: {floor_out.strip()}); ratio {ours / floor:.1f}x  goal < 15 s"
    )
    if args.keep is None:
        import shutil

        shutil.rmtree(work)


if __name__ == "__main__":
    main()
