"""Benchmark: `shoutu rt` against R EpiEstim's estimate_R, side by side.

10,000 regional daily series x 365 days (long Parquet: date, region, cases), parametric serial
interval (mean 4.8, sd 2.3), weekly sliding windows. Ours: the whole `shoutu rt` process, with
--no-quantiles (goal < 1 s) and with all quantiles (goal < 10 s). EpiEstim: estimate_R on a
subset of the same series in one R process (start-up excluded), projected to all series.
Needs R: apt-get install -y r-base-core r-cran-epiestim.

    python benchmarks/rt_vs_epiestim.py [--series 10000] [--days 365] [--r-series 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _synthetic import write_series

SHOUTU = Path(sys.executable).with_name("shoutu")


def make_input(path: Path, series: int, days: int) -> None:
    rng = np.random.default_rng(1)
    growth = rng.normal(0.0, 0.03, size=(series, 1))
    level = rng.uniform(5, 200, size=(series, 1))
    t = np.arange(days)[None, :]
    write_series(path, rng.poisson(level * np.exp(growth * np.sin(t / 40.0) * 10)), "cases")


def time_ours(args: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(SHOUTU), "rt", *args], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def time_epiestim(subset: Path, count: int) -> float | None:
    """Seconds per series for estimate_R inside one R process."""
    if shutil.which("Rscript") is None:
        return None
    script = f"""
suppressMessages(library(EpiEstim))
m <- as.matrix(read.csv("{subset}", header = FALSE))
T <- nrow(m)
config <- make_config(list(mean_si = 4.8, std_si = 2.3, t_start = seq(2, T - 6),
                           t_end = seq(8, T)))
elapsed <- system.time(for (i in seq_len({count})) {{
  invisible(suppressWarnings(estimate_R(m[, i], method = "parametric_si", config = config)))
}})[["elapsed"]]
cat(elapsed / {count})
"""
    out = subprocess.run(
        ["Rscript", "-e", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "R_LIBS_USER": ""},
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--r-series", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "series.parquet"
        make_input(data, args.series, args.days)
        common = [str(data), "--si-mean", "4.8", "--si-sd", "2.3"]
        fast = time_ours([*common, "--no-quantiles", "--output", f"{tmp}/a.parquet"], args.runs)
        full = time_ours([*common, "--output", f"{tmp}/b.parquet"], args.runs)
        per_series = time_epiestim(data.with_suffix(".subset.csv"), min(args.r_series, 200))
    print(f"{args.series:,} series x {args.days} days; median of {args.runs} runs; whole process")
    for name, times in (("shoutu rt --no-quantiles", fast), ("shoutu rt (all quantiles)", full)):
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"{name:30s} {statistics.median(times):8.2f} s  (runs {runs})")
    if per_series is None:
        print("EpiEstim: Rscript not found (apt-get install -y r-base-core r-cran-epiestim)")
        return
    projected = per_series * args.series
    print(
        f"{'EpiEstim estimate_R':30s} {projected:8.2f} s  ({per_series:.4f} s per series x "
        f"{args.series:,}, timed on {min(args.r_series, 200)} series)"
    )
    for name, times in (("--no-quantiles", fast), ("all quantiles", full)):
        print(f"ratio EpiEstim / shoutu {name}: {projected / statistics.median(times):,.0f}x")


if __name__ == "__main__":
    main()
