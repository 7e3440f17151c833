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
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _timing import run_once
from shoutu.errors import ValidationReport
from shoutu.services.context import open_context
from shoutu.services.registry.imports.batch import import_table
from shoutu.services.registry.imports.specs import SPECS
from shoutu.services.simulation.importer import PEOPLE_COLUMNS, simulation_tables
from shoutu.services.store_setup import init_store
from shoutu.settings import get_settings
from shoutu.sim.engine import run_config, simulate

SHOUTU = Path(sys.executable).with_name("shoutu")
COLUMNS = [c for c in PEOPLE_COLUMNS if c != "birth_date"]


def simulate_city(work: Path, people: int) -> Path:
    """A one-day simulator run: Demo City's regions, places and people."""
    out = work / "city"
    simulate(run_config(people=people, days=1, seed=1, scenario="none"), out)
    return out


def write_people_csv(city: Path, path: Path) -> None:
    """The run's people (with synthetic identities) as a registry CSV file."""
    people = dict(simulation_tables(city))["people"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for chunk in people.chunks(50_000, ValidationReport()):
            for _, _, row in chunk:
                writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in COLUMNS})


def prepared_store(work: Path, url: str, city: Path) -> dict[str, str]:
    """A store with the city's regions and places, and no people."""
    settings = get_settings(database_url=url, key_file=work / "shoutu.key")
    init_store(settings)
    ctx = open_context(settings)
    for kind, table in simulation_tables(city)[:2]:
        import_table(ctx, SPECS[kind], table)
    ctx.close()
    return {"SHOUTU_DATABASE_URL": url, "SHOUTU_KEY_FILE": str(work / "shoutu.key")}


def time_ours(env: dict[str, str], csv_path: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one `shoutu import people` process."""
    seconds, peak, _ = run_once([str(SHOUTU), "import", "people", str(csv_path)], env=env)
    return seconds, peak


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
        city = simulate_city(work, args.people)
        write_people_csv(city, csv_path)
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
                first, again, memory = [], [], []
                for run in range(args.runs):
                    env = prepared_store(work, make_url(run), city)
                    seconds, peak = time_ours(env, csv_path)
                    first.append(seconds)
                    memory.append(peak)
                    again.append(time_ours(env, csv_path)[0])
                ours, repeat = statistics.median(first), statistics.median(again)
                print(
                    f"shoutu import people ({name}): {ours:.2f} s "
                    f"(runs {', '.join(f'{t:.2f}' for t in first)}; peak {max(memory):.0f} MB); "
                    f"ratio to floor {ours / floor_median:.1f}x"
                )
                print(f"shoutu re-import, nothing changes ({name}): {repeat:.2f} s")
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
