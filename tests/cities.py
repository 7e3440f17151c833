"""The parameter sets of the simulated cities the tests share (``city`` in conftest.py)."""

from __future__ import annotations

SCREENING_CITY = {"people": 6000, "days": 21, "seed": 11, "scenario": "screening"}
TRACE_CITY = {"people": 20_000, "days": 30, "seed": 3}
SMALL_CITY = {"people": 5000, "days": 20, "seed": 4}
CHAIN_CITY = {"people": 100_000, "days": 30, "seed": 3}
TINY_CITY = {"people": 1500, "days": 3, "seed": 2}
