"""A signal with the series behind it (for the signal page's chart): its channel's counts in
its region for the weeks before its end, its observed value and threshold, its period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shoutu.domain.regions import parse_region_code
from shoutu.domain.vocabulary import RegionLevel
from shoutu.services.context import ServiceContext
from shoutu.services.surveillance.channels import channel_matrix
from shoutu.services.surveillance.signals import get_signal

DAYS = 28


def signal_series(ctx: ServiceContext, signal_id: int, *, days: int = DAYS) -> dict[str, Any]:
    """The signal (in the caller's jurisdiction) and its region's daily counts of its channel
    over the ``days`` ending with the signal's last day."""
    signal = get_signal(ctx, signal_id)
    region = str(signal["region"])
    try:
        level = parse_region_code(region).level
    except ValueError:
        level = RegionLevel.DISTRICT
    end: dt.date = signal["date_end"]
    first = end - dt.timedelta(days=days - 1)
    matrix = channel_matrix(ctx, str(signal["channel"]), level=level)
    row = matrix.regions.index(region) if region in matrix.regions else None
    by_day = {}
    if row is not None:
        by_day = dict(zip(matrix.dates, matrix.values[row].tolist(), strict=True))
    dates = [first + dt.timedelta(days=d) for d in range(days)]
    return {
        "signal_id": signal_id,
        "channel": signal["channel"],
        "region": region,
        "date_start": signal["date_start"].isoformat(),
        "date_end": end.isoformat(),
        "observed": signal["observed"],
        "threshold": signal["threshold"],
        "dates": [d.isoformat() for d in dates],
        "counts": [float(by_day.get(d, 0.0)) for d in dates],
    }


__all__ = ["signal_series"]
