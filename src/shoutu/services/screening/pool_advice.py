"""Screening services: the pool-size advisor (and, next, lab results, pooled workflow and
campaign coverage).

The Ct distribution behind the advice comes from the event store's recent single-tube PCR
positives (tests of the last ``days`` days before the latest sample, at least ``minimum`` of
them), else from the simulator's parameter file (``screening_positive_ct_*``). The sizes are
the protocol's validated pool ratios.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow.compute as pc

from shoutu.analytics.pooling import CtDistribution, PoolAdvice, advise
from shoutu.events.store import read_events
from shoutu.services.context import ServiceContext


def recent_positive_ct(ctx: ServiceContext, *, days: int = 30, minimum: int = 50) -> CtDistribution:
    from shoutu.sim.params import load_disease_params

    needed = ["ct_n", "pool_size", "method", "result", "sample_time"]
    tests = read_events(ctx.settings.event_dir, "tests", columns=needed)
    if tests.num_rows:
        chosen = tests.filter(
            pc.and_(
                pc.and_(pc.equal(tests["method"], "pcr"), pc.equal(tests["result"], "positive")),
                pc.and_(pc.equal(tests["pool_size"], 1), pc.is_valid(tests["ct_n"])),
            )
        )
        if chosen.num_rows:
            times = chosen["sample_time"]
            latest = pc.max(times).as_py()
            since = latest - dt.timedelta(days=days)
            recent = chosen.filter(pc.greater_equal(times, since))
            if recent.num_rows >= minimum:
                values = np.asarray(recent["ct_n"].to_numpy(zero_copy_only=False), float)
                return CtDistribution(
                    values=values,
                    source=f"{recent.num_rows} single-tube PCR positives of the last {days} days",
                )
    params = load_disease_params()
    return CtDistribution(
        mean=params.screening_positive_ct_mean,
        sd=params.screening_positive_ct_sd,
        source="simulator parameters (omicron.toml: screening_positive_ct_mean, _sd)",
    )


def pool_size_advice(
    ctx: ServiceContext,
    prevalence: float,
    *,
    floor: float = 0.95,
    shift_per_doubling: float = 1.0,
    cutoff: float | None = None,
) -> tuple[PoolAdvice, CtDistribution]:
    from shoutu.sim.params import load_disease_params

    protocol, _ = ctx.protocol()
    sizes = sorted(set(protocol.pooling.validated_ratios) | {1})
    ct = recent_positive_ct(ctx)
    advice = advise(
        prevalence,
        ct,
        sizes=sizes,
        cutoff=load_disease_params().pcr_cutoff if cutoff is None else cutoff,
        floor=floor,
        shift_per_doubling=shift_per_doubling,
    )
    return advice, ct


def positivity(ctx: ServiceContext) -> list[dict[str, Any]]:
    """Samples, positives and positivity in the event store by kind of test: pooled PCR tubes
    (per sample), single-tube PCR and antigen."""
    tests = read_events(ctx.settings.event_dir, "tests", columns=["method", "pool_size", "result"])
    if tests.num_rows == 0:
        return []
    method = tests["method"].to_pylist()
    pooled = np.asarray(tests["pool_size"].to_numpy(zero_copy_only=False)) > 1
    positive = np.asarray(pc.equal(tests["result"], "positive").to_numpy(zero_copy_only=False))
    kinds = np.array(
        [
            "pcr pooled" if m == "pcr" and p else f"{m} single" if m == "pcr" else str(m)
            for m, p in zip(method, pooled, strict=True)
        ]
    )
    rows = []
    for kind in ("pcr pooled", "pcr single", "antigen"):
        mine = kinds == kind
        if mine.any():
            n, k = int(mine.sum()), int(positive[mine].sum())
            rows.append({"kind": kind, "samples": n, "positive": k, "positivity": round(k / n, 6)})
    return rows


__all__ = ["pool_size_advice", "positivity", "recent_positive_ct"]
