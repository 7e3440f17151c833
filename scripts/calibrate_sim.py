"""Emergent epidemiology of an unmitigated Demo City run, to check against the literature
ranges the disease parameter file cites. Prints household SAR, serial interval, early doubling
time and the share of infections by setting.

    python scripts/calibrate_sim.py [--people 50000] [--days 60] [--seeds 1 2 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from shoutu.sim.engine import run_config, simulate
from shoutu.sim.validation import emergent_measures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            config = run_config(people=args.people, days=args.days, seed=seed, scenario="none")
            simulate(config, Path(tmp))
            rows.append(emergent_measures(Path(tmp), args.people))
    keys = sorted({k for r in rows for k in r})
    for key in keys:
        values = [r.get(key, 0.0) for r in rows]
        print(f"{key:24s} " + "  ".join(f"{v:8.3f}" for v in values))


if __name__ == "__main__":
    main()
