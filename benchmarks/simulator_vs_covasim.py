"""Benchmark: Demo City (shoutu) against Covasim, whole process, side by side.

Same population size and days, 10 initial infections, comparable interventions: symptomatic
testing plus contact tracing (Covasim: hybrid population, ``test_prob`` + ``contact_tracing``;
shoutu: the ``default`` scenario — fever clinics, antigen self-tests with PCR confirmation,
tracing and quarantine — under cn-9th-2022). Prints median wall seconds of ``--runs`` runs,
peak memory, and the ratios, for shoutu with ``--summary-only`` and writing all outputs.

Covasim is a peer, not a dependency: install it in its own environment
(``python -m venv /tmp/covenv && /tmp/covenv/bin/pip install covasim``) and pass
``--covasim-python /tmp/covenv/bin/python``.

    python benchmarks/simulator_vs_covasim.py [--people 100000] [--days 60] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from _timing import run_once

SHOUTU = Path(sys.executable).with_name("shoutu")

COVASIM = """
import covasim as cv
pars = dict(pop_size={people}, pop_type="hybrid", n_days={days}, pop_infected=10,
            rand_seed={seed}, verbose=0)
interventions = [
    cv.test_prob(symp_prob=0.2, asymp_prob=0.001, symp_quar_prob=1.0, asymp_quar_prob=1.0),
    cv.contact_tracing(trace_probs=dict(h=0.9, s=0.8, w=0.8, c=0.2), trace_time=1),
]
sim = cv.Sim(pars, interventions=interventions)
sim.run()
print(int(sim.results["cum_infections"][-1]))
"""


def median_of(runs: int, make: object) -> tuple[float, float, list[float]]:
    times, peaks = [], []
    for run in range(runs):
        seconds, peak, _ = run_once(make(run))  # type: ignore[operator]
        times.append(seconds)
        peaks.append(peak)
    return statistics.median(times), max(peaks), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--covasim-python", default="/tmp/covenv/bin/python")
    parser.add_argument("--skip-covasim", action="store_true")
    args = parser.parse_args()
    if not args.skip_covasim and not Path(args.covasim_python).exists():
        print(
            f"Covasim python {args.covasim_python} not found: python -m venv /tmp/covenv && "
            "/tmp/covenv/bin/pip install covasim (timing shoutu only)"
        )
        args.skip_covasim = True
    print(f"{args.people:,} people x {args.days} days; median of {args.runs} runs; whole process")
    with tempfile.TemporaryDirectory() as tmp:

        def shoutu(summary_only: bool) -> object:
            def command(run: int) -> list[str]:
                out = Path(tmp) / f"run{run}{'s' if summary_only else 'f'}"
                return [
                    str(SHOUTU),
                    "simulate",
                    "--people",
                    str(args.people),
                    "--days",
                    str(args.days),
                    "--seed",
                    str(run + 1),
                    "--out",
                    str(out),
                    *(["--summary-only"] if summary_only else []),
                ]

            return command

        rows = [
            ("shoutu --summary-only", *median_of(args.runs, shoutu(True))),
            ("shoutu, all outputs", *median_of(args.runs, shoutu(False))),
        ]
        if not args.skip_covasim:

            def covasim(run: int) -> list[str]:
                script = COVASIM.format(people=args.people, days=args.days, seed=run + 1)
                return [args.covasim_python, "-c", script]

            rows.append(
                ("covasim 4 (hybrid, test_prob + contact_tracing)", *median_of(args.runs, covasim))
            )
    for name, seconds, peak, times in rows:
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"{name:50s} {seconds:7.2f} s  (runs {runs}; peak {peak:,.0f} MB)")
    if not args.skip_covasim:
        peer = rows[-1][1]
        for name, seconds, *_ in rows[:-1]:
            print(f"ratio covasim / {name}: {peer / seconds:.1f}x faster")


if __name__ == "__main__":
    main()
