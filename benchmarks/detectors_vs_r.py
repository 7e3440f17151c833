"""Benchmark: `shoutu detect` against R surveillance, side by side.

1. farringtonFlexible with the Noufaily options over the 140 districts of
   ../shared/data/public/influenza_bybw_weekly.csv, last 104 weeks (b = 5, w = 3). Ours: the
   whole `shoutu detect` process on all 140 districts; R: the first --r-districts districts in
   one R process (start-up excluded), per series; goal >= 100x per series, same alarms (checked
   on R's districts).
2. EARS C1 and CUSUM over 10,000 daily series x 365 days (long Parquet: date, region, count);
   ours: the whole process (goal < 1 s each); R: earsC / algo.cusum on a subset, projected.
Needs R: apt-get install -y r-base-core r-cran-surveillance.

    python benchmarks/detectors_vs_r.py [--series 10000] [--days 365] [--r-series 50]
        [--r-districts 10] [--runs 3] [--only farrington|daily]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from _synthetic import write_series
from _timing import timed

SHOUTU = Path(sys.executable).with_name("shoutu")
R_CALL = {
    "ears-c1": 'earsC(s, control = list(method = "C1", range = 8:nrow(m)))',
    "cusum": "algo.cusum(list(observed = m[, i]), control = list(range = 183:nrow(m)))",
}


def make_input(path: Path, series: int, days: int) -> Path:
    rng = np.random.default_rng(1)
    counts = rng.poisson(rng.uniform(1, 50, (series, 1)), size=(series, days))
    return write_series(path, counts, "count")


def r_seconds_per_series(subset: Path, method: str, count: int) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    wrap = (
        "s <- sts(observed = m[, i, drop = FALSE], epoch = seq_len(nrow(m))); "
        if method == "ears-c1"
        else ""
    )
    script = f"""
suppressMessages(library(surveillance))
m <- as.matrix(read.csv("{subset}", header = FALSE))
elapsed <- system.time(for (i in seq_len({count})) {{ {wrap}invisible({R_CALL[method]}) }})
cat(elapsed[["elapsed"]] / {count})
"""
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


FLU = Path(__file__).resolve().parents[2] / "shared/data/public/influenza_bybw_weekly.csv"
NOUFAILY = [
    "--method",
    "farrington-flexible",
    "--no-periods",
    "10",
    "--weights-threshold",
    "2.58",
    "--past-weeks-not-included",
    "26",
    "--p-threshold-trend",
    "1",
    "--threshold-method",
    "nbPlugin",
    "--from",
    "2006-12-25",
]


def farrington(runs: int, districts: int, tmp: str) -> None:
    out = Path(tmp) / "flu.csv"
    ours, listed, _ = timed(
        [str(SHOUTU), "detect", str(FLU), "--wide", *NOUFAILY, "--output", str(out)], runs
    )
    with out.open() as handle:
        handle.readline()
        series = len({line.split(",")[1] for line in handle})
    print(f"farringtonFlexible (Noufaily), {series} districts x 104 weeks; median of {runs} runs")
    print(f"shoutu detect  {ours:7.2f} s  (runs {listed}; whole process)")
    if shutil.which("Rscript") is None:
        print("R: Rscript not found (apt-get install -y r-base-core r-cran-surveillance)")
        return
    r_out = Path(tmp) / "flu_r.csv"
    script = f"""
suppressMessages(library(surveillance))
d <- read.csv("{FLU}", check.names = FALSE)
s <- sts(observed = as.matrix(d[, 2:{districts + 1}, drop = FALSE]), epoch = as.Date(d[[1]]),
         frequency = 52)
n <- nrow(d)
control <- list(range = (n - 103):n, b = 5, w = 3, noPeriods = 10, weightsThreshold = 2.58,
                pastWeeksNotIncluded = 26, pThresholdTrend = 1, thresholdMethod = "nbPlugin")
elapsed <- system.time(r <- suppressWarnings(farringtonFlexible(s, control = control)))
ub <- upperbound(r); al <- alarms(r)
rows <- data.frame(date = rep(format(epoch(r)), ncol(ub)), region = rep(colnames(ub),
                   each = nrow(ub)), upperbound = as.vector(ub), alarm = as.integer(as.vector(al)))
write.csv(rows, "{r_out}", row.names = FALSE, quote = FALSE)
cat(elapsed[["elapsed"]] / {districts})
"""
    result = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    per_series = float(result.stdout.strip().splitlines()[-1])
    ours_per_series = ours / series
    print(
        f"R surveillance {per_series * series:7.2f} s  projected ({per_series:.3f} s per series x "
        f"{series}, timed on {districts})  per-series ratio {per_series / ours_per_series:,.0f}x"
    )
    mine = {}
    with out.open() as handle:
        handle.readline()
        for line in handle:
            date, region, _, _, bound, alarm = line.rstrip("\n").split(",")
            mine[(date, region)] = (bound, alarm)
    worst, differ, checked = 0.0, 0, 0
    with r_out.open() as handle:
        handle.readline()
        for line in handle:
            date, region, bound, alarm = line.rstrip("\n").split(",")
            got_bound, got_alarm = mine[(date, region)]
            checked += 1
            if bound == "NA":
                differ += got_bound != ""
                continue
            worst = max(worst, abs(float(got_bound) - float(bound)) / max(abs(float(bound)), 1e-9))
            differ += got_alarm != (alarm if alarm != "NA" else "0")
    print(f"same alarms: {checked - differ}/{checked} rows agree; bounds max rel diff {worst:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--r-series", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--r-districts", type=int, default=10)
    parser.add_argument("--only", choices=["farrington", "daily"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "daily":
            farrington(args.runs, args.r_districts, tmp)
        if args.only == "farrington":
            return
        print(f"{args.series:,} daily series x {args.days} days; median of {args.runs} runs")
        data = Path(tmp) / "counts.parquet"
        subset = make_input(data, args.series, args.days)
        for method in ("ears-c1", "cusum"):
            ours, runs, _ = timed(
                [
                    str(SHOUTU),
                    "detect",
                    str(data),
                    "--method",
                    method,
                    "--output",
                    f"{tmp}/o.parquet",
                ],
                args.runs,
            )
            print(f"shoutu detect --method {method:8s} {ours:7.2f} s  (runs {runs}; whole process)")
            per_series = r_seconds_per_series(subset, method, min(args.r_series, 200))
            if per_series is None:
                print("R: Rscript not found (apt-get install -y r-base-core r-cran-surveillance)")
                continue
            projected = per_series * args.series
            print(
                f"R surveillance {method:17s} {projected:7.2f} s  ({per_series * 1000:.2f} ms "
                f"per series x {args.series:,})  ratio {projected / ours:,.0f}x"
            )


if __name__ == "__main__":
    main()
