"""Aberration detectors, exactly as R surveillance 1.20.3 computes them, for many series at
once: each takes counts (series x time) and the monitored time indexes, and returns the
expected values, upper bounds (NaN where R gives none) and alarms."""

from shoutu.analytics.detectors.base import Detection

__all__ = ["Detection"]
