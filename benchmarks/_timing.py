"""Whole-process timings for the benchmarks: seconds and peak memory of each run (the child's
own, from wait4), the median of runs and the runs as text.

Peak memory is only the child's when the parent is small when it starts the child: Linux
carries the parent's resident size into a vfork'ed child until it execs, so benchmarks build
their big inputs in a separate process (``in_subprocess``)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import NamedTuple


class Timing(NamedTuple):
    median: float  # seconds
    runs: str  # "1.02, 0.98, 1.00"
    peak_mb: float  # the largest peak resident memory of the runs


def run_once(
    command: list[str], *, env: dict[str, str] | None = None, quiet: bool = True
) -> tuple[float, float, str]:
    """Wall seconds, peak resident memory (MB) and standard output of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command,
        env=None if env is None else {**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if quiet else None,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"failed: {' '.join(command)}")
    return seconds, usage.ru_maxrss / 1024, out


def timed(
    command: list[str], runs: int, quiet: bool = False, env: dict[str, str] | None = None
) -> Timing:
    """The median seconds of ``runs`` runs of ``command``, the runs listed and the peak."""
    done = [run_once(command, env=env, quiet=quiet) for _ in range(runs)]
    times = [d[0] for d in done]
    return Timing(
        statistics.median(times), ", ".join(f"{t:.2f}" for t in times), max(d[1] for d in done)
    )


def in_subprocess(code: str) -> str:
    """Run Python ``code`` (with the benchmarks folder importable) in its own process, so that
    the memory it needs is not the parent's; returns what it prints."""
    folder = os.path.dirname(os.path.abspath(__file__))
    prelude = f"import sys; sys.path.insert(0, {folder!r})\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code], check=True, capture_output=True, text=True
    )
    return done.stdout
