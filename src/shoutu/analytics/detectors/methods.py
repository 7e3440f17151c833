"""The detectors by name, with their options and R's defaults declared as data.

``run`` is the one way the services call a detector: ``shoutu detect`` over a file, and
``signals run`` over the registry's channels. Options use R's control names in snake case
(the CLI spells them in kebab case); an option a method does not have is an error that lists
the method's options.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from shoutu.analytics.detectors import bayes as bayes_module
from shoutu.analytics.detectors import ears as ears_module
from shoutu.analytics.detectors import farrington as farrington_module
from shoutu.analytics.detectors import moving_percentile as mp
from shoutu.analytics.detectors.base import Calendar, Detection
from shoutu.analytics.detectors.cusum import cusum

_EARS = {"baseline": 7, "alpha": None, "min_sigma": 0.0}
_FARRINGTON = {
    "b": 5,
    "w": 3,
    "reweight": True,
    "alpha": 0.05,
    "trend": True,
    "limit54": (5, 4),
    "powertrans": "2/3",
}

#: Every method's options and R's defaults (None: computed, see the detector).
DEFAULTS: dict[str, dict[str, Any]] = {
    "ears-c1": _EARS,
    "ears-c2": _EARS,
    "ears-c3": _EARS,
    "cusum": {"k": 1.04, "h": 2.26, "m": None, "trans": "standard"},
    "bayes": {"b": 0, "w": 6, "act_y": True, "alpha": 0.05},
    "farrington": _FARRINGTON,
    "farrington-flexible": {
        **_FARRINGTON,
        "weights_threshold": 2.58,
        "p_threshold_trend": 0.05,
        "no_periods": 1,
        "past_weeks_not_included": None,
        "threshold_method": "delta",
    },
    "moving-percentile": {"period_days": 7, "years": 3, "neighbours": 2, "percentile": 80.0},
}
METHODS = tuple(DEFAULTS)


@dataclass(frozen=True)
class Plan:
    """A method with its resolved options."""

    method: str
    options: dict[str, Any]

    def first_time(self, calendar: Calendar) -> int:
        """0-based first monitored time of R's default range (CUSUM, which has none in R:
        half way through the series; moving percentile: the first complete baseline)."""
        o = self.options
        if self.method.startswith("ears-"):
            return ears_module.default_start(self.method[5:].upper(), o["baseline"])
        if self.method == "cusum":
            return max(1, calendar.length // 2)
        if self.method == "bayes":
            return bayes_module.first_time(o["b"], o["w"], calendar.freq)
        if self.method == "moving-percentile":
            period = max(1, o["period_days"] // calendar.step_days)
            return mp.first_time(period, o["years"], o["neighbours"], calendar.freq)
        return farrington_module.default_start(
            calendar, b=o["b"], w=o["w"], flexible=self.method == "farrington-flexible"
        )

    def run(self, counts: np.ndarray, times: np.ndarray, calendar: Calendar) -> Detection:
        o = dict(self.options)
        if self.method.startswith("ears-"):
            return ears_module.ears(counts, times, method=self.method[5:].upper(), **o)
        if self.method == "cusum":
            return cusum(counts, times, **o)
        if self.method == "bayes":
            return bayes_module.bayes(counts, times, freq=calendar.freq, **o)
        if self.method == "moving-percentile":
            period = max(1, o.pop("period_days") // calendar.step_days)
            return mp.moving_percentile(counts, times, period=period, year_steps=calendar.freq, **o)
        if self.method == "farrington":
            return farrington_module.farrington(counts, times, calendar, **o)
        return farrington_module.farrington_flexible(counts, times, calendar, **o)


def plan(method: str, options: dict[str, Any] | None = None) -> Plan:
    """Check the method and its options (unknown ones are errors); fill R's defaults."""
    if method not in DEFAULTS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    defaults = DEFAULTS[method]
    given = {key: value for key, value in (options or {}).items() if value is not None}
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        names = ", ".join("--" + name.replace("_", "-") for name in unknown)
        allowed = ", ".join("--" + name.replace("_", "-") for name in defaults)
        raise ValueError(f"{names} does not apply to {method} (its options: {allowed})")
    return Plan(method, {**defaults, **given})


class Detector:
    """Any detector, scikit-learn style: the method and its R settings in ``__init__``,
    ``fit(counts, calendar, times=None)`` returns self with ``times_``, ``expected_``,
    ``upperbound_`` (NaN where undefined) and ``alarm_`` (series x monitored times). Without
    ``times``, monitoring starts where R's default range starts. The function twins are the
    detector functions themselves (``ears``, ``cusum``, ``bayes``, ``farrington``,
    ``farrington_flexible``, ``moving_percentile``)."""

    def __init__(self, method: str = "ears-c1", **options: Any) -> None:
        self.method = method
        self.options = options

    def fit(
        self, counts: np.ndarray, calendar: Calendar, times: np.ndarray | None = None
    ) -> Detector:
        detector = plan(self.method, self.options)
        counts = np.atleast_2d(np.asarray(counts, float))
        if times is None:
            times = np.arange(detector.first_time(calendar), calendar.length)
        result = detector.run(counts, np.asarray(times, int), calendar)
        self.times_ = result.times
        self.expected_ = result.expected
        self.upperbound_ = result.upperbound
        self.alarm_ = result.alarm
        return self


__all__ = ["DEFAULTS", "METHODS", "Detector", "Plan", "plan"]
