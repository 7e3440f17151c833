"""Mass screening follows risk areas: an approved high or medium area joins a campaign at its
level already running over a region that contains it, or starts its own from its first day in
force — with the protocol's pool ratio for its level (cn-9th: one tube per household in a
sealed, high area; 10 in 1 in a medium one) and the protocol's rounds. A protocol without
mass-screening rules starts none. The day-7 round the daily run asks for is read from the
results of the area's residents (``area_run``), whichever campaign took the samples.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from shoutu.domain.timeutil import start_of_day
from shoutu.domain.vocabulary import RiskLevel
from shoutu.protocols.schema import Protocol
from shoutu.rules.mass_screening import campaign_plan
from shoutu.services.audit import Unit
from shoutu.services.control.area_people import inside_area
from shoutu.store.repositories import campaigns as campaigns_repo

SCREENED = (RiskLevel.HIGH, RiskLevel.MEDIUM)


def _running(campaign: dict[str, Any], at: dt.datetime) -> bool:
    """Whether the campaign runs on the day that begins at ``at``."""
    hours = float(campaign["interval_hours"]) * (int(campaign["rounds"]) - 1) + float(
        campaign["round_hours"]
    )
    start: dt.datetime = campaign["start_time"]
    return start < at + dt.timedelta(days=1) and at < start + dt.timedelta(hours=hours)


def screen_area(
    unit: Unit, protocol: Protocol, area: dict[str, Any], since: dt.date
) -> dict[str, Any] | None:
    """Join or start the area's campaign (None: the level or the protocol screens none);
    ``{"campaign_id", "name", "joined", "pool_ratio"}``."""
    level = RiskLevel(area["level"])
    plan = campaign_plan(protocol, level)
    if level not in SCREENED or plan is None:
        return None
    begin = start_of_day(since, unit.ctx.settings.timezone)
    campaigns = campaigns_repo.listed(unit.conn)
    for campaign in campaigns:
        if (
            campaign["risk_level"] == level
            and _running(campaign, begin)
            and inside_area(
                {"extent": None, "region_code": campaign["region_code"]}, area["region_code"]
            )
        ):
            return {
                "campaign_id": campaign["campaign_id"],
                "name": campaign["name"],
                "joined": True,
                "pool_ratio": campaign["pool_ratio"],
            }
    name = f"risk-area-{area['area_id']}"
    taken = {c["name"] for c in campaigns}
    suffix = 2
    while name in taken:  # a campaign someone named so: the next free name
        name, suffix = f"risk-area-{area['area_id']}-{suffix}", suffix + 1
    values = {
        "name": name,
        "region_code": area["region_code"],
        "risk_level": level,
        "start_time": begin,
        **asdict(plan),
        "protocol": protocol.name,
        **unit.stamp,
    }
    campaign_id = campaigns_repo.add(unit.conn, values=values)
    unit.created("campaigns", [campaign_id], [values])
    return {
        "campaign_id": campaign_id,
        "name": values["name"],
        "joined": False,
        "pool_ratio": values["pool_ratio"],
    }


__all__ = ["SCREENED", "screen_area"]
