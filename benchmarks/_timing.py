"""Whole-process timings for the benchmarks: the median of runs, and the runs as text."""

from __future__ import annotations

import statistics
import subprocess
import time


def timed(command: list[str], runs: int, quiet: bool = False) -> tuple[float, str]:
    """Median seconds of ``runs`` runs of ``command`` and the runs listed ("1.02, 0.98")."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=quiet)
        times.append(time.perf_counter() - start)
    return statistics.median(times), ", ".join(f"{t:.2f}" for t in times)
