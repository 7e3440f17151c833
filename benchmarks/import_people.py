"""Benchmark: import N people (default 100,000) from CSV into SQLite, whole process.

Ours: `shoutu import people FILE` (parse, GB 11643 checks, reference checks, AES-GCM encryption
and HMAC of ID numbers and phones, upsert by person_id, one audit event per row, one transaction).
Peer: no registry peer (SORMAS, Go.Data, DHIS2) runs on this machine, so the reference is the
floor any importer must pay: Python's csv + sqlite3 `executemany` of the same rows into a
same-shaped table, with no validation, encryption or audit. Prints both timings and the ratio.

    python benchmarks/import_people.py [--people 100000] [--runs 3] [--postgres]
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shoutu.services.context import init_store, open_context
from shoutu.services.demo import build_demo_city, load_demo_city
from shoutu.settings import get_settings

SHOUTU = Path(sys.executable).with_name("shoutu")
COLUMNS = [
    "person_id",
    "name",
    "id_type",
    "id_number",
    "phone",
    "sex",
    "home_region_code",
    "workplace_id",
    "school_id",
    "key_population",
    "vaccination_doses",
    "synthetic",
]


def write_people_csv(city_people: list[dict[str, object]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in city_people:
            writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in COLUMNS})


def prepared_store(work: Path, url: str, people: int) -> dict[str, str]:
    """A store with the demo city's regions and places, and no people."""
    settings = get_settings(database_url=url, key_file=work / "shoutu.key")
    init_store(settings)
    city = build_demo_city(people=people)
    city.people = []
    ctx = open_context(settings)
    load_demo_city(ctx, city)
    ctx.close()
    return {"SHOUTU_DATABASE_URL": url, "SHOUTU_KEY_FILE": str(work / "shoutu.key")}


def time_ours(env: dict[str, str], csv_path: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [str(SHOUTU), "import", "people", str(csv_path)],
        check=True,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def time_floor(csv_path: Path, db_path: Path) -> float:
    start = time.perf_counter()
    conn = sqlite3.connect(db_path)
    conn.execute(f"CREATE TABLE people ({', '.join(COLUMNS)}, PRIMARY KEY (person_id))")
    with csv_path.open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        conn.executemany(f"INSERT INTO people VALUES ({', '.join('?' * len(COLUMNS))})", reader)
    conn.commit()
    conn.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="also time PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "people.csv"
        write_people_csv(build_demo_city(people=args.people).people, csv_path)
        backends = [("sqlite", lambda run: f"sqlite:///{work / f'run{run}.db'}")]
        server = None
        if args.postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
            import psycopg

            import pgserver

            server = pgserver.start()

            def pg_url(run: int) -> str:
                dsn = f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres"
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"CREATE DATABASE bench{run}")
                return server.url(f"bench{run}")

            backends.append(("postgresql", pg_url))
        try:
            floor = [time_floor(csv_path, work / f"floor{r}.db") for r in range(args.runs)]
            floor_median = statistics.median(floor)
            print(f"people: {args.people:,}; runs: {args.runs}; medians reported")
            print(f"floor (csv + sqlite3 executemany, no checks): {floor_median:.2f} s")
            for name, make_url in backends:
                first, again = [], []
                for run in range(args.runs):
                    env = prepared_store(work, make_url(run), args.people)
                    first.append(time_ours(env, csv_path))
                    again.append(time_ours(env, csv_path))
                ours, repeat = statistics.median(first), statistics.median(again)
                print(
                    f"shoutu import people ({name}): {ours:.2f} s "
                    f"(runs {', '.join(f'{t:.2f}' for t in first)}); "
                    f"ratio to floor {ours / floor_median:.1f}x"
                )
                print(f"shoutu re-import, nothing changes ({name}): {repeat:.2f} s")
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
