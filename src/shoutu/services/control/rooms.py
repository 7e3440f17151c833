"""Who needs a room at a quarantine or isolation site, and on which days (shared by
``control assign`` and ``control sites``).

A *stay* is the part of an episode spent at a site: the centralised stage of a quarantine
(集中隔离; its home and health-monitoring stages need no room), or an isolation (隔离治疗). An
episode without stages (an older import, an isolation) is one stay of its own kind. A stay
lasts from its start to its planned end, or its end when the episode ended first (an
isolation, or a stay that is its episode's last stage, lasts to its episode's end: a release
held keeps the room). An isolation with no planned end lasts an assumed number of days
(:func:`assumed_isolation`); an open stay that is its episode's last stage holds its room at
least through the day looked at (it is still there).

**Days**: a stay holds a room on each local day at whose end (24:00, the census of the daily
bulletins) it is in force: from its start's day to the day before its end's. So a 7-day stay
holds 7 days, whatever the hour it starts.

**Sites** are the places of a site type (quarantine hotels, designated, makeshift and other
hospitals) with a room count (``capacity``). An episode's ``site_id`` says where the person is
held and ``site_since`` since when (a stay assigned late waited for its room until then; none:
from the stay's start); a site has a room for a stay when it holds fewer stays than rooms on
every day the stay would spend there.

The room type a stay needs: a quarantine hotel for centralised quarantine; for an isolation
the protocol's site for the case's classification (``isolation.asymptomatic_site`` for an
asymptomatic infection, ``confirmed_site`` otherwise; a home isolation needs none).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from shoutu.domain.regions import level_code, parse_region_code
from shoutu.domain.timeutil import local_date, start_of_day
from shoutu.domain.vocabulary import (
    OPEN_CONTROL_STATUSES,
    CaseClass,
    ControlKind,
    ControlStatus,
    IsolationSite,
    PlaceType,
    RegionLevel,
)
from shoutu.errors import BadRequest
from shoutu.protocols.schema import Protocol
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import measures as repo
from shoutu.store.repositories import people as people_repo
from shoutu.store.repositories import places as places_repo
from shoutu.store.repositories import regions as regions_repo

#: the places that hold people in rooms or beds (their ``capacity``)
SITE_TYPES = (
    PlaceType.QUARANTINE_HOTEL,
    PlaceType.DESIGNATED_HOSPITAL,
    PlaceType.MAKESHIFT_HOSPITAL,
    PlaceType.HOSPITAL,
)
#: the kinds of stay that need a room
ROOM_KINDS = (ControlKind.CENTRALISED, ControlKind.ISOLATION)
#: where a protocol's isolation site puts a case (None: at home, no room)
ISOLATION_PLACES: dict[IsolationSite, PlaceType | None] = {
    IsolationSite.DESIGNATED_HOSPITAL: PlaceType.DESIGNATED_HOSPITAL,
    IsolationSite.MAKESHIFT_HOSPITAL: PlaceType.MAKESHIFT_HOSPITAL,
    IsolationSite.CENTRALISED_FACILITY: PlaceType.QUARANTINE_HOTEL,
    IsolationSite.HOSPITAL: PlaceType.HOSPITAL,
    IsolationSite.HOME: None,
}
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Site:
    place_id: int
    name: str
    type: PlaceType
    region_code: str
    district: str
    rooms: int | None
    point: tuple[float, float] | None  # (lat, lon): its own, else its region's

    @property
    def usable(self) -> bool:
        return bool(self.rooms)


@dataclass(frozen=True)
class Stay:
    """One episode's days in a room: ``first`` to ``last`` (None: no known end)."""

    episode_id: int
    person_id: int
    kind: ControlKind
    open: bool  # the episode is open (planned, active or held, not ended)
    site_id: int | None
    needs: PlaceType | None  # the site type the protocol sends it to (None: home)
    home: str | None  # the person's home region code
    district: str | None  # ... and its district
    start: dt.datetime
    first: dt.date
    last: dt.date | None
    site_first: dt.date | None = None  # the first day at its site (None: no site)

    def covers(self, day: dt.date) -> bool:
        return self.first <= day and (self.last is None or self.last >= day)

    def at_site(self, day: dt.date) -> bool:
        """Whether it holds a room at its site on ``day``."""
        return self.site_first is not None and self.site_first <= day and self.covers(day)


@dataclass(frozen=True)
class Assumption:
    """How long an isolation with no planned end is taken to last (None: to the end of the
    forecast), and where that number comes from."""

    days: float | None
    source: str


def district_of(code: str | None) -> str | None:
    """The district containing a region code (the code itself above district level)."""
    if not code:
        return None
    return level_code(code, RegionLevel.DISTRICT) or code


def point_of(code: str | None, centroids: dict[str, tuple[float, float]]) -> Any:
    """The centroid of a region, else of the nearest region above it that has one."""
    while code:
        if code in centroids:
            return centroids[code]
        code = parse_region_code(code).parent
    return None


def load_sites(conn: Connection) -> dict[int, Site]:
    """Every place of a site type, by id."""
    centroids = regions_repo.centroids(conn)
    found: dict[int, Site] = {}
    for row in places_repo.of_types(conn, types=[t.value for t in SITE_TYPES]):
        known = row["lat"] is not None and row["lon"] is not None
        point = (float(row["lat"]), float(row["lon"])) if known else None
        found[int(row["place_id"])] = Site(
            place_id=int(row["place_id"]),
            name=row["name"],
            type=PlaceType(row["type"]),
            region_code=row["region_code"],
            district=district_of(row["region_code"]) or row["region_code"],
            rooms=row["capacity"],
            point=point or point_of(row["region_code"], centroids),
        )
    return found


def _stamp(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


Span = tuple[ControlKind, dt.datetime, dt.datetime | None, bool]
Days = tuple[ControlKind, dt.datetime, dt.date, dt.date | None]


def room_span(row: dict[str, Any]) -> Span | None:
    """An episode's stay as (kind, start, planned end, whether it is the episode's last
    stage); None when the episode needs no room."""
    stages = row["stages"] or []
    for i, stage in enumerate(stages):
        kind = ControlKind(stage["kind"])
        if kind in ROOM_KINDS:
            start = _stamp(stage["start"]) or row["start_time"]
            return kind, start, _stamp(stage.get("planned_end")), i == len(stages) - 1
    kind = ControlKind(row["kind"])
    if stages or kind not in ROOM_KINDS:
        return None
    return kind, row["start_time"], row["planned_end_time"], True


def stay_days(
    row: dict[str, Any], tz: str, assumed: dict[ControlKind, float | None], day: dt.date | None
) -> Days | None:
    """An episode's stay: kind, start, first and last day in a room (None: no known end;
    ``assumed``: days of a stay with no planned end, by kind; ``day``: the day looked at, up
    to which an open last stage holds its room). None when it holds no room on any day."""
    span = room_span(row)
    if span is None:
        return None
    kind, start, planned, last_stage = span
    ended = row["end_time"]
    if ended is not None:
        end = ended if last_stage or planned is None else min(planned, ended)
    elif planned is not None:
        end = planned
    else:
        days = assumed.get(kind)
        end = None if days is None else start + days * DAY
    first = local_date(start, tz)
    last = None if end is None else local_date(end, tz) - DAY
    status = ControlStatus(row["status"])
    if ended is None and status in OPEN_CONTROL_STATUSES and last_stage and day is not None:
        last = None if last is None else max(last, day)
    if last is not None and last < first:
        return None
    return kind, start, first, last


def needed_type(
    protocol: Protocol, kind: ControlKind, classification: str | None
) -> PlaceType | None:
    """The site type a stay needs by the protocol (None: isolation at home)."""
    if kind == ControlKind.CENTRALISED:
        return PlaceType.QUARANTINE_HOTEL
    rules = protocol.isolation
    asymptomatic = classification == CaseClass.ASYMPTOMATIC.value
    return ISOLATION_PLACES[rules.asymptomatic_site if asymptomatic else rules.confirmed_site]


def assumed_isolation(conn: Connection, protocol: Protocol, days: float | None) -> Assumption:
    """The length of an isolation with no planned end: ``days`` when given; else the median
    length of the isolation episodes already released; else the protocol's earliest release
    (its last isolation test day, or its minimum days); else none (to the forecast's end)."""
    if days is not None:
        if not days > 0:
            raise BadRequest("{isolation_days} is more than 0")
        return Assumption(days, "given")
    lengths = [
        (end - start) / DAY
        for start, end in repo.ended_spans(
            conn, kind=ControlKind.ISOLATION.value, status=ControlStatus.RELEASED.value
        )
        if end > start
    ]
    if lengths:
        median = round(statistics.median(lengths), 2)
        return Assumption(median, f"the median of {len(lengths)} released isolation episodes")
    rules = protocol.isolation
    earliest = max(rules.min_days, max(rules.test_days, default=0))
    if earliest > 0:
        return Assumption(float(earliest), f"{protocol.name}: isolation test days and minimum days")
    return Assumption(None, "none: isolations with no planned end stay to the forecast's end")


def load_stays(
    conn: Connection,
    protocol: Protocol,
    tz: str,
    *,
    ended_after: dt.datetime,
    isolation: Assumption,
    day: dt.date | None,
) -> list[Stay]:
    """The stays of the episodes not cancelled and not ended by ``ended_after``, oldest
    first, with the room type each needs and its person's home district."""
    rows = repo.room_episodes(conn, kinds=[k.value for k in ROOM_KINDS], ended_after=ended_after)
    people = sorted({int(r["person_id"]) for r in rows})
    homes = people_repo.home_regions(conn, person_ids=people)
    assumed = {
        ControlKind.ISOLATION: isolation.days,
        ControlKind.CENTRALISED: float(protocol.quarantine.close_contact.centralised_days) or None,
    }
    isolated = [int(r["person_id"]) for r in rows if r["kind"] == ControlKind.ISOLATION.value]
    cases = cases_repo.classifications(conn, person_ids=sorted(set(isolated)))
    found: list[Stay] = []
    for row in rows:
        found_days = stay_days(row, tz, assumed, day)
        if found_days is None:
            continue
        kind, start, first, last = found_days
        person = int(row["person_id"])
        own = cases.get(person, [])
        classification = next(
            (c for case, c, _ in own if case == row["case_id"]), own[-1][1] if own else None
        )
        home = homes.get(person)
        since = row["site_since"]
        site_first = None
        if row["site_id"] is not None:
            site_first = first if since is None else max(first, local_date(since, tz))
        found.append(
            Stay(
                episode_id=int(row["measure_id"]),
                person_id=person,
                kind=kind,
                open=row["end_time"] is None
                and ControlStatus(row["status"]) in OPEN_CONTROL_STATUSES,
                site_id=row["site_id"],
                needs=needed_type(protocol, kind, classification),
                home=home,
                district=district_of(home),
                start=start,
                first=first,
                last=last,
                site_first=site_first,
            )
        )
    return found


def day_start(day: dt.date, tz: str) -> dt.datetime:
    """A local day's first moment, in UTC."""
    return start_of_day(day, tz)


def distance_km(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float:
    """The great-circle distance between two (lat, lon) points (inf when one is unknown)."""
    if a is None or b is None:
        return math.inf
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(h, 1.0)))


__all__ = [
    "ISOLATION_PLACES",
    "ROOM_KINDS",
    "SITE_TYPES",
    "Assumption",
    "Site",
    "Stay",
    "assumed_isolation",
    "day_start",
    "distance_km",
    "district_of",
    "load_sites",
    "load_stays",
    "needed_type",
    "point_of",
    "room_span",
    "stay_days",
]
