"""Rooms at quarantine and isolation sites: occupancy by day, the recent rate of new stays and
a forecast of rooms needed.

Days are whole numbers relative to a reference day 0 (the report's date): a stay holds a room
on each of the days ``first .. last`` (both included; the caller decides what holding a room on
a day means — the services count a stay on each local day at whose end, 24:00, it is in force,
the census of the daily bulletins). ``last`` may be ``inf`` for a stay with no known end.

The forecast for days ``1 .. horizon`` adds two parts:

- ``current``: the stays begun by day 0 still holding a room on day ``k`` (``last >= k``);
- ``expected``: new stays arriving at ``rate`` a day from day 1 on, each holding a room for
  ``stay`` days. An arrival on day ``j`` holds a room on days ``j .. j + stay - 1``; for a
  stay of a fractional number of days (its start a uniformly random time of the day) the
  chance that it still holds its room ``m`` days after it arrived is ``clip(stay - m, 0, 1)``,
  so ``expected[k] = rate * sum(clip(stay - m, 0, 1) for m in 0 .. k - 1)`` (``rate * min(k,
  stay)`` for whole days).

``needed = current + expected``; day ``k`` is short when ``needed`` exceeds the rooms on that
day (by more than rounding); the first such day is the shortage date and its gap ``needed - rooms``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: a need within this of the rooms is not a shortage (sums of rates are not exact)
TOLERANCE = 1e-9


def _days(values: ArrayLike, name: str) -> NDArray[np.float64]:
    found = np.asarray(values, dtype=np.float64).reshape(-1)
    if np.isnan(found).any():
        raise ValueError(f"{name}: days are numbers (inf for no end), not NaN")
    return found


def occupancy(first_days: ArrayLike, last_days: ArrayLike, days: ArrayLike) -> NDArray[np.int64]:
    """How many stays hold a room on each of ``days``: those with ``first <= day <= last``."""
    first, last = _days(first_days, "first_days"), _days(last_days, "last_days")
    if first.shape != last.shape:
        raise ValueError("first_days and last_days have one value per stay")
    wanted = _days(days, "days")
    held = first <= last  # a stay that ends before it begins holds no room
    first, last = first[held], last[held]
    if not len(first):
        return np.zeros(len(wanted), dtype=np.int64)
    # stays begun by a day less those ended before it
    begun = np.searchsorted(np.sort(first), wanted, side="right")
    ended = np.searchsorted(np.sort(last), wanted, side="left")
    counts: NDArray[np.int64] = np.maximum(begun - ended, 0).astype(np.int64)
    return counts


def arrival_rate(first_days: ArrayLike, window: int) -> float:
    """New stays a day over the ``window`` days ending with day 0 (days ``1 - window .. 0``)."""
    if window < 1:
        raise ValueError("the window is at least one day")
    first = _days(first_days, "first_days")
    return float(np.count_nonzero((first > -window) & (first <= 0))) / window


def expected_new(rate: float, stay: float, horizon: int) -> NDArray[np.float64]:
    """Rooms held on days ``1 .. horizon`` by stays arriving at ``rate`` a day from day 1, each
    ``stay`` days long (``inf``: they stay)."""
    if rate < 0 or not np.isfinite(rate):
        raise ValueError("the arrival rate is a finite number of stays a day, at least 0")
    if stay < 0 or np.isnan(stay):
        raise ValueError("a stay lasts at least 0 days")
    if horizon < 0:
        raise ValueError("the horizon is at least 0 days")
    since = np.arange(horizon, dtype=np.float64)  # days since an arrival: 0 .. horizon - 1
    still = np.clip(stay - since, 0.0, 1.0) if np.isfinite(stay) else np.ones(horizon)
    return rate * np.cumsum(still)


@dataclass(frozen=True)
class RoomForecast:
    """Rooms needed on days ``1 .. horizon`` (index ``i`` is day ``i + 1``)."""

    current: NDArray[np.int64]  # stays begun by day 0 still holding a room
    expected: NDArray[np.float64]  # new stays expected at the rate
    needed: NDArray[np.float64]  # current + expected
    rooms: NDArray[np.float64]
    shortage: NDArray[np.bool_]  # needed > rooms
    first_shortage: int | None  # the index of the first short day (None: no shortage)
    gap: float  # needed - rooms on the first short day (0 without a shortage)


def forecast(
    last_days: ArrayLike, rate: float, stay: float, rooms: ArrayLike, horizon: int
) -> RoomForecast:
    """Rooms needed on each of days ``1 .. horizon``: the stays begun by day 0 (their
    ``last_days``) still in a room, plus those expected at ``rate`` a day staying ``stay``
    days, against ``rooms`` (one number, or one per day)."""
    last = _days(last_days, "last_days")
    days = np.arange(1, horizon + 1, dtype=np.float64)
    current = occupancy(np.zeros(len(last)), last, days)
    expected = expected_new(rate, stay, horizon)
    needed = current + expected
    capacity = np.broadcast_to(np.asarray(rooms, dtype=np.float64), (horizon,)).copy()
    if (capacity < 0).any() or np.isnan(capacity).any():
        raise ValueError("rooms are at least 0")
    short = needed > capacity + TOLERANCE
    hits = np.flatnonzero(short)
    first = int(hits[0]) if len(hits) else None
    gap = float(needed[first] - capacity[first]) if first is not None else 0.0
    return RoomForecast(current, expected, needed, capacity, short, first, gap)


__all__ = ["TOLERANCE", "RoomForecast", "arrival_rate", "expected_new", "forecast", "occupancy"]
