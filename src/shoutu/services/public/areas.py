"""The public list of risk areas (风险区域公告) as of a day, from the areas' histories: the areas
in force with their level, measure, the day they took it and the earliest next one-level
downgrade if no new case comes; each county with an area in force is one low entry with the
county's code; and the history of changes up to the day. Levels and measures in Chinese and
English (a protocol's own names, such as Shanghai's 封控区, where it has them). No person
appears here: only region codes, levels and dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.vocabulary import AreaStatus, RiskLevel
from shoutu.protocols.schema import Protocol
from shoutu.rules.risk_areas import AreaClock, county_of, earliest_downgrade
from shoutu.services.context import ServiceContext
from shoutu.store.repositories import risk_areas as repo

CSV_COLUMNS = (
    "region_code",
    "level",
    "level_zh",
    "level_en",
    "measure",
    "measure_zh",
    "measure_en",
    "since",
    "earliest_downgrade",
)


@dataclass(frozen=True)
class PublicAreas:
    day: dt.date
    areas: list[dict[str, Any]]
    history: list[dict[str, Any]]
    labels: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "areas": self.areas,
            "history": self.history,
            "labels": self.labels,
        }

    def rows(self) -> list[dict[str, Any]]:
        """The CSV rows: one per entry, with its labels."""
        levels, measures = self.labels["levels"], self.labels["measures"]
        return [
            {
                **a,
                "level_zh": levels[a["level"]]["zh"],
                "level_en": levels[a["level"]]["en"],
                "measure_zh": measures[a["measure"]]["zh"],
                "measure_en": measures[a["measure"]]["en"],
            }
            for a in self.areas
        ]


def _state_on(
    protocol: Protocol, changes: list[dict[str, Any]], day: dt.date
) -> dict[str, Any] | None:
    """An area's level, since and earliest downgrade on ``day`` from its history."""
    past = [c for c in changes if c["date"] <= day]
    if not past or past[-1]["to_level"] is None:
        return None
    level = RiskLevel(past[-1]["to_level"])
    moves = [c for c in past if c["from_level"] != c["to_level"]]
    since = moves[-1]["date"]
    clock = max(c["clock_date"] for c in past if c["clock_date"] is not None)
    designated = len(moves) == 1
    earliest = earliest_downgrade(protocol, AreaClock(level, clock.toordinal(), designated))
    if earliest is not None:
        earliest = max(earliest, day.toordinal() + 1)
    return {
        "level": level,
        "since": since,
        "earliest_downgrade": dt.date.fromordinal(earliest) if earliest else None,
    }


def public_areas(ctx: ServiceContext, day: dt.date, *, protocol: str | None = None) -> PublicAreas:
    """The public list on ``day`` (see the module); labels from ``protocol`` (default: the
    configured one) where an area's own protocol has none."""
    default, _ = ctx.protocol(protocol)
    with ctx.connect() as conn:
        areas = {
            a["area_id"]: a
            for a in repo.listed(
                conn, within=EVERYWHERE, statuses=[AreaStatus.APPROVED, AreaStatus.LIFTED]
            )
        }
        history = repo.changes(conn, until=day)
    by_area: dict[int, list[dict[str, Any]]] = {}
    for c in history:
        by_area.setdefault(int(c["area_id"]), []).append(c)
    entries: list[dict[str, Any]] = []
    counties: dict[str, dt.date] = {}
    for area_id, changes in sorted(by_area.items()):
        area = areas[area_id]
        loaded, _ = ctx.protocol(area["protocol"])
        state = _state_on(loaded, changes, day)
        if state is None:
            continue
        entries.append(
            {
                "region_code": area["region_code"],
                "level": state["level"].value,
                "measure": (
                    area["measure"]
                    if state["level"] == area["level"]
                    else loaded.risk_levels[state["level"]].measure
                ).value,
                "since": state["since"].isoformat(),
                "earliest_downgrade": (
                    state["earliest_downgrade"].isoformat() if state["earliest_downgrade"] else None
                ),
            }
        )
        county = county_of(area["region_code"])
        counties[county] = min(counties.get(county, state["since"]), state["since"])
    low = default.risk_levels.get(RiskLevel.LOW)
    for county, since in sorted(counties.items()):
        entries.append(
            {
                "region_code": county,
                "level": RiskLevel.LOW.value,
                "measure": low.measure.value if low else "no_gathering",
                "since": since.isoformat(),
                "earliest_downgrade": None,
            }
        )
    changes_out = [
        {
            "date": c["date"].isoformat(),
            "region_code": areas[int(c["area_id"])]["region_code"],
            "from": c["from_level"].value if c["from_level"] else None,
            "to": c["to_level"].value if c["to_level"] else None,
        }
        for c in history
        if c["from_level"] != c["to_level"]
    ]
    return PublicAreas(day, entries, changes_out, _labels(default))


def _labels(protocol: Protocol) -> dict[str, dict[str, dict[str, str]]]:
    from shoutu.domain.vocabulary import AreaMeasure

    levels = {}
    for level in RiskLevel:
        rule = protocol.risk_levels.get(level)
        levels[level.value] = {
            "zh": (rule.label_zh if rule and rule.label_zh else level.label("zh")),
            "en": (rule.label_en if rule and rule.label_en else level.label("en")),
        }
    measures = {m.value: {"zh": m.label("zh"), "en": m.label("en")} for m in AreaMeasure}
    return {"levels": levels, "measures": measures}


__all__ = ["CSV_COLUMNS", "PublicAreas", "public_areas"]
