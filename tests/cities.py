"""The parameter sets of the simulated cities the tests share (``city`` in conftest.py)."""

from __future__ import annotations

from paths import DATA

SCREENING_CITY = {"people": 6000, "days": 21, "seed": 11, "scenario": "screening"}
TRACE_CITY = {"people": 20_000, "days": 30, "seed": 3}
SMALL_CITY = {"people": 5000, "days": 20, "seed": 4}
CHAIN_CITY = {"people": 100_000, "days": 30, "seed": 3}
TINY_CITY = {"people": 1500, "days": 3, "seed": 2}
# contacts traced 240 hours after the report: some close contacts' days are over when found,
# and they are left uncontrolled (the 应隔尽隔 list is not empty)
LATE_TRACING_CITY = {
    "people": 2000,
    "days": 15,
    "seed": 2,
    "scenario": str(DATA / "scenarios" / "late_tracing.toml"),
}
# small runs under other protocol editions (their stages and test days)
CN8_CITY = {"people": 2000, "days": 12, "seed": 2, "protocol": "cn-8th-2021"}
CDC_CITY = {"people": 2000, "days": 12, "seed": 2, "protocol": "us-cdc-2021"}
# risk-area lockdown with more importations: areas reset, held and proposed again
LOCKDOWN_CITY = {
    "people": 8000,
    "days": 40,
    "seed": 4,
    "scenario": str(DATA / "scenarios" / "lockdown_busy.toml"),
}
