"""Reproduction number over daily series: EpiEstim's estimate_R for each region, with the
warnings a user needs (too few cases for the posterior CV, incomplete last days).
``estimate_rt`` works on a series in memory; ``rt_from_file`` reads one and calls it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from shoutu.analytics.rt import (
    QUANTILE_NAMES,
    check_si_distr,
    discr_si,
    estimate_r,
    min_cases_for_cv,
)
from shoutu.errors import BadRequest, options_checked
from shoutu.io.provenance import build_provenance, file_hash
from shoutu.io.series import ALL, DailySeries, read_daily_series, read_si_distr


@dataclass
class RtTable:
    columns: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)


def rt_from_file(
    path: Path,
    *,
    si_mean: float | None = None,
    si_sd: float | None = None,
    si_distr: Path | None = None,
    window: int = 7,
    prior_mean: float = 5.0,
    prior_sd: float = 5.0,
    quantiles: bool = True,
    incomplete_days: int = 0,
    date_format: str | None = None,
) -> RtTable:
    """R_t for every region of the file ``path`` (and a serial interval file ``si_distr``)."""
    series = read_daily_series(path, date_format)
    if series.step_days != 1:
        raise BadRequest(f"{path}: R_t needs daily counts; these dates are weekly")
    distr = read_si_distr(si_distr) if si_distr is not None else None
    return estimate_rt(
        series,
        si_mean=si_mean,
        si_sd=si_sd,
        si_distr=distr,
        si_hash=file_hash(si_distr) if si_distr is not None else None,
        window=window,
        prior_mean=prior_mean,
        prior_sd=prior_sd,
        quantiles=quantiles,
        incomplete_days=incomplete_days,
    )


def estimate_rt(
    series: DailySeries,
    *,
    si_mean: float | None = None,
    si_sd: float | None = None,
    si_distr: np.ndarray | None = None,
    si_hash: str | None = None,
    window: int = 7,
    prior_mean: float = 5.0,
    prior_sd: float = 5.0,
    quantiles: bool = True,
    incomplete_days: int = 0,
) -> RtTable:
    """R_t for every region of a daily series (EpiEstim windows; NaN where EpiEstim gives
    NA), with a parametric (``si_mean``/``si_sd``) or non-parametric (``si_distr``, day 0
    first) serial interval."""
    if series.step_days != 1:
        raise BadRequest("R_t needs daily counts; these dates are weekly")
    with options_checked():
        if si_distr is not None:
            if si_mean is not None or si_sd is not None:
                raise BadRequest("give either {si_distr} or {si_mean}/{si_sd}, not both")
            si = check_si_distr(si_distr)
        elif si_mean is not None and si_sd is not None:
            si = discr_si(np.arange(series.days), si_mean, si_sd)
        else:
            raise BadRequest("give {si_mean} and {si_sd}, or {si_distr}")
        si_hashes = [si_hash] if si_hash else []
        est = estimate_r(
            series.local,
            series.imported,
            si,
            window=window,
            prior_mean=prior_mean,
            prior_sd=prior_sd,
        )
    n_regions, n_windows = est.shape.shape
    columns: dict[str, Any] = {}
    if series.regions != [ALL]:
        index = pa.array(np.repeat(np.arange(n_regions, dtype=np.int32), n_windows))
        columns["region"] = pa.DictionaryArray.from_arrays(index, pa.array(series.regions))
    t_start, t_end = np.tile(est.t_start, n_regions), np.tile(est.t_end, n_regions)
    columns["t_start"], columns["t_end"] = t_start, t_end
    day0 = np.datetime64(series.start.isoformat(), "D")
    columns["date_start"] = day0 + (t_start - 1)
    columns["date_end"] = day0 + (t_end - 1)
    values = {"mean": est.mean, "sd": est.sd}
    if quantiles:
        values.update(est.quantiles())
    for name, array in values.items():
        columns[name] = array.ravel()
    warnings = []
    need = min_cases_for_cv(0.3, prior_mean, prior_sd)
    few = (est.cases_in_window < need) & np.isfinite(est.shape)
    if few.any():
        regions = np.flatnonzero(few.any(axis=1))
        named = ", ".join(series.regions[r] for r in regions[:5] if series.regions[r] != ALL)
        where = (
            f" in {len(regions)} regions ({named}{', …' if len(regions) > 5 else ''})"
            if (named)
            else ""
        )
        warnings.append(
            f"{int(few.sum())} windows{where} have fewer than {need} local cases, "
            "too few for a posterior CV of 0.3 (EpiEstim's rule); read them with "
            "care"
        )
    if incomplete_days > 0:
        last = series.date(series.days - 1)
        hit = int(np.sum(est.t_end > series.days - incomplete_days))
        warnings.append(
            f"the last {incomplete_days} days (to {last}) are still incomplete for an "
            f"onset-dated curve: {hit} windows per region end in them and "
            "underestimate R"
        )
    provenance = build_provenance(
        command="rt",
        parameters={
            "si_mean": si_mean,
            "si_sd": si_sd,
            "window": window,
            "prior_mean": prior_mean,
            "prior_sd": prior_sd,
            "quantiles": quantiles,
            "incomplete_days": incomplete_days,
        },
        input_hashes=[series.content_hash, *si_hashes],
    )
    return RtTable(columns, warnings, provenance)


__all__ = ["QUANTILE_NAMES", "RtTable", "estimate_rt", "rt_from_file"]
