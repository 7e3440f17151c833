"""Benchmark: chain-graph data for 100,000 cases, paged by cluster, beside everything at once.

Generates --cases cases over 120 days in households of 3 and offices of 20 (a third of the
cases in an office), runs `shoutu chains --graph-dir` whole process (inference plus every page
written), then in one process: building the paged graph, serving the index, serving the biggest
cluster's page and a typical page, against serialising the whole graph at once (what a viewer
without paging must fetch before drawing anything).

    python benchmarks/chain_graph.py [--cases 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from _timing import timed
from shoutu.analytics.serial_interval import SerialInterval
from shoutu.services.investigation.chains import chains_file

SHOUTU = Path(sys.executable).with_name("shoutu")


def generate(folder: Path, cases: int) -> None:
    rng = np.random.default_rng(11)
    ids = np.arange(1, cases + 1)
    onset = np.datetime64("2022-03-01", "D") + rng.integers(0, 120, cases)
    pq.write_table(
        pa.table({"case_id": ids.astype(str), "onset_date": onset}), folder / "cases.parquet"
    )
    household = rng.integers(0, cases // 3, cases)
    office = np.where(rng.random(cases) < 1 / 3, rng.integers(0, cases // 20, cases), -1)
    person = np.concatenate([ids, ids[office >= 0]])
    kind = ["household"] * cases + ["office"] * int((office >= 0).sum())
    group = np.concatenate([household, office[office >= 0]]).astype(str)
    pq.write_table(
        pa.table({"case_id": person.astype(str), "group_type": kind, "group_id": group}),
        folder / "groups.parquet",
    )


def median_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, args.cases)
        command = [
            str(SHOUTU),
            "chains",
            "--cases",
            str(folder / "cases.parquet"),
            "--groups",
            str(folder / "groups.parquet"),
            "--si-mean",
            "3.3",
            "--si-sd",
            "2",
            "--graph-dir",
            str(folder / "graph"),
            "--output",
            str(folder / "chains.parquet"),
        ]
        whole, runs, _ = timed(command, args.runs, quiet=True)
        si = SerialInterval("gamma", mean=3.3, sd=2.0)
        result = chains_file(folder / "cases.parquet", si, groups=folder / "groups.parquet")
        build = median_of(args.runs, lambda: result.graph())
        graph = result.graph()
        index = median_of(args.runs, lambda: json.dumps(graph.index()))
        biggest = median_of(args.runs, lambda: json.dumps(graph.page(1)))
        typical = median_of(args.runs, lambda: json.dumps(graph.page(max(1, graph.pages // 2))))
        everything = median_of(
            args.runs,
            lambda: json.dumps([graph.cluster(c.cluster_id) for c in graph.clusters]),
        )
        size = len(json.dumps(graph.page(max(1, graph.pages // 2))))
        total = len(json.dumps([graph.cluster(c.cluster_id) for c in graph.clusters]))
    print(f"cases {args.cases:,}, clusters {len(graph.clusters):,}, pages {graph.pages:,}")
    print(f"shoutu chains --graph-dir (whole process): {whole:.2f} s ({runs})")
    print(f"paged graph built from the chains:         {build:.3f} s")
    print(f"index of every cluster:                    {index:.3f} s")
    print(f"page 1 (the biggest clusters):             {biggest:.3f} s")
    print(f"a typical page ({size / 1e3:,.0f} kB):                {typical:.3f} s")
    print(f"everything at once ({total / 1e6:,.1f} MB):          {everything:.3f} s")
    print(f"ratio, everything at once / typical page:  {everything / typical:.0f}x")


if __name__ == "__main__":
    main()
