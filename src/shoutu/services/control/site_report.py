"""``control sites``: quarantine and isolation sites with their rooms, occupancy by day and a
forecast of rooms needed, so that the command centre sees a shortage coming (Shanghai, spring
2022: quarantine and makeshift-hospital beds ran out).

Per site: its rooms, the stays it holds on the day and the rooms free. Per site type, over all
regions and per district: the rooms, the stays held on each of the 7 days up to the day, the
stays waiting for a room that day (open, needing that type, no site; a person's district is
their home's), and for each of the next days the rooms needed (``analytics/rooms.forecast``):
the stays begun by the day still holding a room (the centralised stage to its planned end, an
isolation to its planned end or an assumed length: ``rooms.assumed_isolation``), plus new stays
at the mean daily number begun in the last 7 days, each as long as the protocol's centralised
stage (``quarantine.close_contact.centralised_days``) at a quarantine hotel, else the assumed
isolation. The first day the need exceeds the rooms is the shortage date, with the gap.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shoutu.analytics.rooms import arrival_rate, forecast, occupancy
from shoutu.domain.timeutil import local_date, utcnow
from shoutu.domain.vocabulary import PlaceType
from shoutu.errors import BadRequest
from shoutu.services.context import ServiceContext
from shoutu.services.control.rooms import (
    SITE_TYPES,
    Assumption,
    Site,
    Stay,
    assumed_isolation,
    day_start,
    load_sites,
    load_stays,
)

#: days of occupancy shown up to the date, and the window of the rate of new stays
WINDOW = 7


@dataclass
class SiteReport:
    date: dt.date
    protocol: str
    days: int
    centralised_days: int
    isolation: Assumption
    sites: list[dict[str, Any]] = field(default_factory=list)
    by_type: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "protocol": self.protocol,
            "days": self.days,
            "assumptions": {
                "rate_window_days": WINDOW,
                "centralised_days": self.centralised_days,
                "isolation_days": self.isolation.days,
                "isolation_days_from": self.isolation.source,
            },
            "sites": self.sites,
            "by_type": self.by_type,
        }


def _group(stay: Stay, sites: dict[int, Site]) -> tuple[PlaceType, str | None] | None:
    """The site type and district a stay counts under: its site's, else the type it needs
    and its person's district (None: it needs no room)."""
    site = sites.get(stay.site_id) if stay.site_id is not None else None
    if site is not None:
        return site.type, site.district
    if stay.needs is None:
        return None
    return stay.needs, stay.district


def _offset(day: dt.date | None, origin: dt.date) -> float:
    return math.inf if day is None else float((day - origin).days)


def _round(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(float(x), 2)


def site_report(
    ctx: ServiceContext,
    day: dt.date | None = None,
    *,
    days: int = 7,
    protocol: str | None = None,
    isolation_days: float | None = None,
) -> SiteReport:
    """Sites, occupancy by day and the forecast of rooms needed for ``days`` days after
    ``day`` (default: today; ``isolation_days``: the length of an isolation with no planned
    end)."""
    if days < 1:
        raise BadRequest("{days} is at least 1")
    loaded, _ = ctx.protocol(protocol)
    tz = ctx.settings.timezone
    day = day or local_date(utcnow(), tz)
    history = [day - dt.timedelta(days=WINDOW - 1 - i) for i in range(WINDOW)]
    with ctx.connect() as conn:
        isolation = assumed_isolation(conn, loaded, isolation_days)
        stays = load_stays(
            conn,
            loaded,
            tz,
            ended_after=day_start(history[0], tz),
            isolation=isolation,
            day=day,
        )
        sites = load_sites(conn)
    centralised = loaded.quarantine.close_contact.centralised_days
    report = SiteReport(day, loaded.name, days, centralised, isolation)
    held = Counter(s.site_id for s in stays if s.site_id in sites and s.at_site(day))
    for site in sites.values():
        report.sites.append(
            {
                "site_id": site.place_id,
                "name": site.name,
                "type": site.type.value,
                "region": site.region_code,
                "district": site.district,
                "rooms": site.rooms,
                "occupied": held[site.place_id],
                "free": None if site.rooms is None else site.rooms - held[site.place_id],
            }
        )
    # stays by type, then district (None: a person whose home is not known)
    buckets: dict[PlaceType, dict[str | None, list[Stay]]] = {}
    for site in sites.values():
        buckets.setdefault(site.type, {}).setdefault(site.district, [])
    for stay in stays:
        group = _group(stay, sites)
        if group is not None:
            buckets.setdefault(group[0], {}).setdefault(group[1], []).append(stay)
    for kind in (t for t in SITE_TYPES if t in buckets):
        districts = buckets[kind]
        everyone = [s for members in districts.values() for s in members]
        length = float(centralised) if kind == PlaceType.QUARANTINE_HOTEL else isolation.days
        rows: list[tuple[str | None, list[Stay]]] = [(None, everyone)]
        rows += [(r, districts[r]) for r in sorted(r for r in districts if r is not None)]
        for region, members in rows:
            here = [s for s in sites.values() if s.type == kind and region in (None, s.district)]
            report.by_type.append(
                _group_json(day, days, kind, region, here, members, sites, length, history)
            )
    return report


def _group_json(
    day: dt.date,
    days: int,
    kind: PlaceType,
    region: str | None,
    here: list[Site],
    members: list[Stay],
    sites: dict[int, Site],
    stay: float | None,
    history: list[dt.date],
) -> dict[str, Any]:
    rooms = sum(s.rooms or 0 for s in here)
    held = [s for s in members if s.site_id in sites]
    occupied = occupancy(
        [_offset(s.site_first, day) for s in held],
        [_offset(s.last, day) for s in held],
        [_offset(d, day) for d in history],
    )
    waiting = sum(
        1
        for s in members
        if s.open and s.covers(day) and not (s.site_id in sites and s.at_site(day))
    )
    rate = arrival_rate([_offset(s.first, day) for s in members], WINDOW)
    begun = [_offset(s.last, day) for s in members if s.first <= day]
    length = math.inf if stay is None else stay
    found = forecast(begun, rate, length, rooms, days)
    dates = [day + dt.timedelta(days=k) for k in range(1, days + 1)]
    first = found.first_shortage
    return {
        "type": kind.value,
        "region": region,
        "sites": len(here),
        "rooms": rooms,
        "occupied": [
            {"date": d.isoformat(), "rooms": int(n)} for d, n in zip(history, occupied, strict=True)
        ],
        "waiting": waiting,
        "arrival_rate": round(rate, 4),
        "stay_days": None if math.isinf(length) else _round(length),
        "forecast": [
            {
                "date": d.isoformat(),
                "needed": _round(found.needed[i]),
                "current": int(found.current[i]),
                "expected": _round(found.expected[i]),
                "rooms": rooms,
                "shortage": bool(found.shortage[i]),
            }
            for i, d in enumerate(dates)
        ],
        "shortage_date": dates[first].isoformat() if first is not None else None,
        "shortage_gap": _round(found.gap) if first is not None else None,
    }


__all__ = ["WINDOW", "SiteReport", "site_report"]
