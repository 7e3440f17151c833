"""Benchmark: `shoutu detect` (EARS C1, CUSUM) against R surveillance, side by side.

10,000 daily series x 365 days (long Parquet: date, region, count); ours: the whole
`shoutu detect` process (goal < 1 s each); R: earsC / algo.cusum on a subset of the same
series in one R process (start-up excluded), projected to all series. The Farrington flexible
part of this benchmark comes with that detector.
Needs R: apt-get install -y r-base-core r-cran-surveillance.

    python benchmarks/detectors_vs_r.py [--series 10000] [--days 365] [--r-series 50] [--runs 3]
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--r-series", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.series:,} daily series x {args.days} days; median of {args.runs} runs")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "counts.parquet"
        subset = make_input(data, args.series, args.days)
        for method in ("ears-c1", "cusum"):
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                subprocess.run(
                    [
                        str(SHOUTU),
                        "detect",
                        str(data),
                        "--method",
                        method,
                        "--output",
                        f"{tmp}/out.parquet",
                    ],
                    check=True,
                )
                times.append(time.perf_counter() - start)
            ours = statistics.median(times)
            runs = ", ".join(f"{t:.2f}" for t in times)
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
