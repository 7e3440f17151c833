"""Benchmark: the space-time permutation scan, 200 locations x 30 days x 999 replications
(goal: under 10 s, whole process), side by side with the brute-force enumeration of every
cylinder (the tests' oracle), timed on a few replications and projected. SaTScan itself does
not install from the package registries this project may use.

    python benchmarks/scan.py [--locations 200] [--days 30] [--replications 999] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from shoutu.analytics.scan import brute_force_best

SHOUTU = Path(sys.executable).with_name("shoutu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--replications", type=int, default=999)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--oracle-replications", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 50, (args.locations, 2))
    counts = rng.poisson(1.0, (args.locations, args.days))
    with tempfile.TemporaryDirectory() as tmp:
        cases, centroids = Path(tmp) / "cases.csv", Path(tmp) / "centroids.csv"
        centroids.write_text(
            "region,x,y\n" + "".join(f"L{i:03d},{x:.4f},{y:.4f}\n" for i, (x, y) in enumerate(xy))
        )
        lines = ["date,region,count"]
        for d in range(args.days):
            day = np.datetime64("2022-03-01") + d
            lines += [f"{day},L{i:03d},{counts[i, d]}" for i in range(args.locations)]
        cases.write_text("\n".join(lines) + "\n")
        times = []
        for run in range(args.runs):
            start = time.perf_counter()
            subprocess.run(
                [
                    str(SHOUTU),
                    "scan",
                    str(cases),
                    "--centroids",
                    str(centroids),
                    "--replications",
                    str(args.replications),
                    "--seed",
                    str(run),
                    "--output",
                    str(Path(tmp) / "out.csv"),
                ],
                check=True,
            )
            times.append(time.perf_counter() - start)
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    start = time.perf_counter()
    for _ in range(args.oracle_replications):
        brute_force_best(rng.permutation(counts.ravel()).reshape(counts.shape), dist)
    per_replication = (time.perf_counter() - start) / args.oracle_replications
    oracle = per_replication * (args.replications + 1)
    ours = statistics.median(times)
    print(f"{args.locations} locations x {args.days} days x {args.replications} replications")
    print(
        f"{'shoutu scan (whole process)':34s} {ours:8.2f} s  "
        f"(runs {', '.join(f'{t:.2f}' for t in times)})"
    )
    print(
        f"{'brute-force enumeration (projected)':34s} {oracle:8.2f} s  "
        f"({per_replication:.2f} s per replication)"
    )
    print(f"ratio: {oracle / ours:,.0f}x")


if __name__ == "__main__":
    main()
