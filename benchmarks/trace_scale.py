"""Benchmark: contact identification at city scale, beside a plain DuckDB join.

Generates --people people (households of 3, offices of 30) making --checkins-per-day visits a
day on average over 14 days, one unsorted Parquet file, and --index index cases (onset on day
10, isolated on day 12). Two distributions of the visits (--distribution):

- city (the default): places one per 100 people, entries 08:00-21:00, dwell 15-90 minutes,
  times in UTC (time-zone aware);
- uniform: places one per 50 people, entries at any time of the 14 days, dwell 10-120
  minutes, naive local times (Asia/Shanghai, as CSV text is read) in the check-ins and cases.

--times aware|naive overrides the distribution's kind of times (the same instants either way).
Timed, whole process each:

- ours: `shoutu trace` file mode (households, offices, co-presence with overlap minutes,
  secondary contacts, readable rules);
- the same from the check-in store (day folders sorted by place, written by the store's own
  writer, untimed): only the days the cases' windows touch are read;
- the plain join: a DuckDB process joining the index cases' visits to all visits at the same
  place with overlapping times (co-presence only), on the same files.

The issue's full size is 10 million people and 100 million check-ins (--people 10000000
--checkins-per-day 0.72); the default is a tenth of it. --data DIR keeps the generated files
(and the outputs) in DIR and reuses them when they were made with the same options.

    python benchmarks/trace_scale.py [--distribution city|uniform] [--times aware|naive]
        [--people 1000000] [--checkins-per-day 0.72] [--index 1000] [--runs 3] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from _timing import Timing, in_subprocess, timed

SHOUTU = Path(sys.executable).with_name("shoutu")
DAY0 = np.datetime64("2022-04-01T00:00:00", "us")
ZONE = "Asia/Shanghai"  # of naive times
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


def _times(micros: np.ndarray, native: str, wanted: str) -> pa.Array:
    """Times generated as ``native`` (aware: UTC instants; naive: local wall clock) given as
    ``wanted``: the same instants either way."""
    if native == "aware":
        utc = pa.array(micros, pa.timestamp("us", tz="UTC"))
        return utc if wanted == "aware" else pc.local_timestamp(utc.cast(pa.timestamp("us", ZONE)))
    naive = pa.array(micros, pa.timestamp("us"))
    if wanted == "naive":
        return naive
    return pc.assume_timezone(naive, ZONE).cast(pa.timestamp("us", tz="UTC"))


def generate(
    folder: Path,
    people: int,
    per_day: float,
    index: int,
    distribution: str = "city",
    times: str | None = None,
) -> int:
    rng = np.random.default_rng(7)
    days = 14
    total = int(people * per_day * days)
    person = rng.integers(1, people + 1, total)
    if distribution == "city":
        native, places = "aware", max(10, people // 100)
        day = rng.integers(0, days, total)
        start = DAY0 + (day * 86_400 + rng.integers(8 * 3600, 21 * 3600, total)) * 1_000_000
        dwell = rng.integers(15, 91, total) * 60_000_000
    else:
        native, places = "naive", max(10, people // 50)
        start = DAY0 + rng.integers(0, days * 86_400, total) * 1_000_000
        dwell = rng.integers(10, 121, total) * 60_000_000
    wanted = times or native
    t_in = start.astype(np.int64)
    pq.write_table(
        pa.table(
            {
                "person_id": pa.array(person, pa.int64()),
                "place_id": pa.array(rng.integers(1, places + 1, total), pa.int64()),
                "t_in": _times(t_in, native, wanted),
                "t_out": _times(t_in + dwell, native, wanted),
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
    onset = (DAY0 + np.timedelta64(10, "D")).astype(np.int64)
    isolation = (DAY0 + np.timedelta64(12, "D")).astype(np.int64)
    pq.write_table(
        pa.table(
            {
                "person_id": pa.array(cases, pa.int64()),
                "onset_time": _times(np.full(index, onset), native, wanted),
                "isolation_time": _times(np.full(index, isolation), native, wanted),
            }
        ),
        folder / "cases.parquet",
    )
    return total


def prepare(folder: Path, args: argparse.Namespace) -> int:
    """The inputs and the check-in store in ``folder``, built in their own processes (the
    parent stays small, so each run's peak is its own); reused when ``folder`` holds them for
    the same options. Returns the number of check-ins."""
    made = {k: getattr(args, k) for k in ("distribution", "times", "people", "index")}
    made["checkins_per_day"] = args.checkins_per_day
    stamp = folder / "made.json"
    if stamp.exists() and json.loads(stamp.read_text()).get("options") == made:
        return int(json.loads(stamp.read_text())["checkins"])
    total = int(
        in_subprocess(
            "from pathlib import Path\nfrom trace_scale import generate\n"
            f"print(generate(Path({str(folder)!r}), {args.people}, {args.checkins_per_day}, "
            f"{args.index}, {args.distribution!r}, {args.times!r}))"
        )
    )
    in_subprocess(
        "from pathlib import Path\nimport shutil\nfrom shoutu.events.store import write_events\n"
        f"shutil.rmtree(Path({str(folder / 'events')!r}), ignore_errors=True)\n"
        f"write_events(Path({str(folder / 'events')!r}), 'checkins', "
        f"Path({str(folder / 'checkins.parquet')!r}), {ZONE!r})"
    )
    stamp.write_text(json.dumps({"options": made, "checkins": total}))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distribution", choices=("city", "uniform"), default="city")
    parser.add_argument("--times", choices=("aware", "naive"), default=None)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--checkins-per-day", type=float, default=0.72)
    parser.add_argument("--index", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.data or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        total = prepare(folder, args)
        times = args.times or ("aware" if args.distribution == "city" else "naive")
        print(
            f"{args.distribution} distribution ({times} times): {args.index:,} index cases, "
            f"{total:,} check-ins of {args.people:,} people over 14 days; median of "
            f"{args.runs} runs, whole process"
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
