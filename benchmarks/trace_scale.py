"""Benchmark: contact identification at city scale, beside a plain DuckDB join.

Generates --people people (households of 3, offices of 30) making --checkins-per-day visits a
day on average to places (one per 100 people) over 14 days, one unsorted Parquet file, and
--index index cases (onset on day 10, isolated on day 12). Timed, whole process each:

- ours: `shoutu trace` file mode (households, offices, co-presence with overlap minutes,
  secondary contacts, readable rules);
- the same from the check-in store (day folders sorted by place, written by the store's own
  writer, untimed): only the days the cases' windows touch are read;
- the plain join: a DuckDB process joining the index cases' visits to all visits at the same
  place with overlapping times (co-presence only).

The issue's full size is 10 million people and 100 million check-ins (--people 10000000
--checkins-per-day 0.72); the default is a tenth of it.

    python benchmarks/trace_scale.py [--people 1000000] [--checkins-per-day 0.72] [--index 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from _timing import Timing, in_subprocess, timed

SHOUTU = Path(sys.executable).with_name("shoutu")
DAY0 = np.datetime64("2022-04-01T00:00:00", "us")
PLAIN = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET memory_limit = '4GB'")
n = con.execute('''
WITH idx AS (SELECT person_id, onset_time - INTERVAL 4 DAY AS s, isolation_time AS e
             FROM read_parquet('{cases}')),
iv AS (SELECT i.person_id AS index_id, k.place_id, greatest(k.t_in, i.s) AS s,
              least(k.t_out, i.e) AS e
       FROM idx i JOIN read_parquet('{checkins}') k ON k.person_id = i.person_id
       WHERE k.t_out > i.s AND k.t_in < i.e)
SELECT count(*) FROM iv JOIN read_parquet('{checkins}') c
  ON c.place_id = iv.place_id AND c.t_in < iv.e AND c.t_out > iv.s
WHERE c.person_id <> iv.index_id''').fetchone()[0]
print(n)
"""


def generate(folder: Path, people: int, per_day: float, index: int) -> int:
    rng = np.random.default_rng(7)
    places = max(10, people // 100)
    days = 14
    total = int(people * per_day * days)
    person = rng.integers(1, people + 1, total)
    day = rng.integers(0, days, total)
    start = DAY0 + (day * 86_400 + rng.integers(8 * 3600, 21 * 3600, total)) * 1_000_000
    dwell = rng.integers(15, 91, total) * 60_000_000
    utc = pa.timestamp("us", tz="UTC")
    pq.write_table(
        pa.table(
            {
                "person_id": pa.array(person, pa.int64()),
                "place_id": pa.array(rng.integers(1, places + 1, total), pa.int64()),
                "t_in": pa.array(start.astype(np.int64), utc),
                "t_out": pa.array((start.astype(np.int64) + dwell), utc),
            }
        ),
        folder / "checkins.parquet",
        row_group_size=4_000_000,
    )
    ids = np.arange(1, people + 1)
    pq.write_table(
        pa.table(
            {
                "person_id": pa.array(ids, pa.int64()),
                "household_id": pa.array((ids // 3).astype(str)),
                "office_id": pa.array((ids // 30).astype(str)),
            }
        ),
        folder / "people.parquet",
    )
    cases = rng.choice(ids, index, replace=False)
    onset = DAY0 + np.timedelta64(10, "D")
    pq.write_table(
        pa.table(
            {
                "person_id": pa.array(cases, pa.int64()),
                "onset_time": pa.array(np.full(index, onset).astype("datetime64[us]"), utc),
                "isolation_time": pa.array(
                    np.full(index, onset + np.timedelta64(2, "D")).astype("datetime64[us]"), utc
                ),
            }
        ),
        folder / "cases.parquet",
    )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--checkins-per-day", type=float, default=0.72)
    parser.add_argument("--index", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # built in their own processes: the parent stays small, so each run's peak is its own
        total = int(
            in_subprocess(
                "from pathlib import Path\nfrom trace_scale import generate\n"
                f"print(generate(Path({str(folder)!r}), {args.people}, "
                f"{args.checkins_per_day}, {args.index}))"
            )
        )
        in_subprocess(
            "from pathlib import Path\nfrom shoutu.events.store import write_events\n"
            f"write_events(Path({str(folder / 'events')!r}), 'checkins', "
            f"Path({str(folder / 'checkins.parquet')!r}), 'Asia/Shanghai')"
        )
        print(
            f"{args.index:,} index cases, {total:,} check-ins of {args.people:,} people over "
            f"14 days; median of {args.runs} runs, whole process"
        )

        def trace(checkins: Path, output: str) -> Timing:
            command = [str(SHOUTU), "trace", "--checkins", str(checkins), "--cases"]
            command += [str(folder / "cases.parquet"), "--people", str(folder / "people.parquet")]
            return timed([*command, "--output", str(folder / output)], args.runs, quiet=True)

        ours = trace(folder / "checkins.parquet", "contacts.parquet")
        rows = pq.read_metadata(folder / "contacts.parquet").num_rows
        print(
            f"shoutu trace      {ours.median:6.2f} s  ({ours.runs}; peak {ours.peak_mb:,.0f} MB; "
            f"{rows:,} rows)"
        )
        store = trace(folder / "events", "contacts-store.parquet")
        same = pq.read_table(folder / "contacts-store.parquet").equals(
            pq.read_table(folder / "contacts.parquet")
        )
        print(
            f"  from the store {store.median:6.2f} s  ({store.runs}; peak {store.peak_mb:,.0f} "
            f"MB; the window's days; same rows: {same})"
        )
        script = PLAIN.format(cases=folder / "cases.parquet", checkins=folder / "checkins.parquet")
        plain = timed([sys.executable, "-c", script], args.runs, quiet=True)
        print(
            f"plain DuckDB join {plain.median:6.2f} s  ({plain.runs}; peak {plain.peak_mb:,.0f} MB;"
            " co-presence only)"
        )
        print(f"ratio (plain / ours) {plain.median / ours.median:.2f}")


if __name__ == "__main__":
    main()
