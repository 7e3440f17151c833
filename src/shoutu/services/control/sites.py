"""``control assign``: quarantine and isolation sites assigned to episodes (their ``site_id``),
by hand or automatically for a day.

By hand, the place must be a site (``rooms.SITE_TYPES``) with a room count and a free room on
every day of each episode's stay there (from the day given, else from the stay's start), else
the assignment is refused (``Conflict``); several episodes are assigned all or none.
Automatically, every open episode needing a room on the day without a site gets one, oldest
stay first: a site of the type the protocol says (``rooms.needed_type``) with a free room on
every day of the stay from that day on, in the person's own district
first, then the same city, the same province, the nearest (by the centroids of the regions
file) and the lowest place id; those left without one are listed with the reason (the
shortage). Each assignment is an audited update of the episode's ``site_id`` and ``site_since``
(when the person moves in: the assignment's day, or the stay's start when later); the list of
those left without a room is an audited read. Assignments take turns (a named lock).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shoutu.domain.timeutil import local_date, utcnow
from shoutu.domain.vocabulary import OPEN_CONTROL_STATUSES, ControlKind, ControlStatus, PlaceType
from shoutu.errors import Conflict, InvalidTransition, NotFound
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.rooms import (
    ROOM_KINDS,
    SITE_TYPES,
    Assumption,
    Site,
    Stay,
    assumed_isolation,
    day_start,
    distance_km,
    load_sites,
    load_stays,
    point_of,
    stay_days,
)
from shoutu.store.repositories import locks
from shoutu.store.repositories import measures as repo
from shoutu.store.repositories import places as places_repo
from shoutu.store.repositories import regions as regions_repo

WEEK = dt.timedelta(days=7)
#: assignments take turns: two at once could give the last room twice
LOCK = "shoutu.control.sites"


class Book:
    """The stays each site holds on each day of a window (a stay with no known end holds its
    room to the window's end), to find a free room."""

    def __init__(self, sites: dict[int, Site], stays: Sequence[Stay], day: dt.date | None):
        firsts = [s.first for s in stays] + ([day] if day else [])
        lasts = [s.last for s in stays if s.last is not None] + firsts
        self.low = min(firsts, default=day or dt.date.min)
        self.high = max(lasts, default=self.low) + dt.timedelta(days=1)
        self.sites = sites
        size = (self.high - self.low).days + 1
        self.held = {i: np.zeros(size, dtype=np.int64) for i in sites}
        for stay in stays:
            if stay.site_id in self.held and stay.site_first is not None:
                self.add(stay.site_id, stay.site_first, stay.last)

    def _span(self, first: dt.date, last: dt.date | None) -> tuple[int, int]:
        end = self.high if last is None else min(last, self.high)
        return (max(first, self.low) - self.low).days, (end - self.low).days + 1

    def full_day(
        self, site_id: int, first: dt.date, last: dt.date | None
    ) -> tuple[dt.date, int] | None:
        """The first day from ``first`` to ``last`` the site has no free room on, and the
        stays it holds then (None: a room is free every day)."""
        rooms = self.sites[site_id].rooms or 0
        a, b = self._span(first, last)
        full = np.flatnonzero(self.held[site_id][a:b] >= rooms)
        if not len(full):
            return None
        at = a + int(full[0])
        return self.low + dt.timedelta(days=at), int(self.held[site_id][at])

    def add(self, site_id: int, first: dt.date, last: dt.date | None) -> None:
        a, b = self._span(first, last)
        self.held[site_id][a:b] += 1


@dataclass(frozen=True)
class Placed:
    stay: Stay
    site: Site
    own_district: bool | None  # None: the person's district is not known
    first: dt.date  # the first day at the site


@dataclass(frozen=True)
class Unplaced:
    stay: Stay
    reason: str  # no_site (none of the type has a room count) or full
    detail: str
    first: dt.date  # the first day it needs a room from


@dataclass
class Assigned:
    date: dt.date | None
    protocol: str
    isolation: Assumption
    placed: list[Placed] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)  # already at the site
    unplaced: list[Unplaced] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def days(stay: Stay, first: dt.date) -> dict[str, Any]:
            last = stay.last.isoformat() if stay.last else None
            return {"first_day": first.isoformat(), "last_day": last}

        return {
            "date": self.date.isoformat() if self.date else None,
            "protocol": self.protocol,
            "assigned": [
                {
                    "episode_id": p.stay.episode_id,
                    "person_id": p.stay.person_id,
                    "kind": p.stay.kind.value,
                    "site_id": p.site.place_id,
                    "site": p.site.name,
                    "type": p.site.type.value,
                    "region": p.site.district,
                    "own_district": p.own_district,
                    **days(p.stay, p.first),
                }
                for p in self.placed
            ],
            "unchanged": self.unchanged,
            "without_room": [
                {
                    "episode_id": u.stay.episode_id,
                    "person_id": u.stay.person_id,
                    "kind": u.stay.kind.value,
                    "needs": u.stay.needs.value if u.stay.needs else None,
                    "region": u.stay.district,
                    **days(u.stay, u.first),
                    "reason": u.reason,
                    "detail": u.detail,
                }
                for u in self.unplaced
            ],
            "counts": {
                "assigned": len(self.placed),
                "unchanged": len(self.unchanged),
                "without_room": len(self.unplaced),
            },
            "isolation_days": {"days": self.isolation.days, "source": self.isolation.source},
            "warnings": self.warnings,
        }


def _write(
    unit: Unit, placed: Placed, since: dt.datetime, before: tuple[int | None, Any], how: str
) -> None:
    """The episode held at the site from ``since``; ``before``: its site and since before."""
    episode = placed.stay.episode_id
    values = {"site_id": placed.site.place_id, "site_since": since}
    repo.change(unit.conn, measure_id=episode, values=values | unit.touch)
    unit.updated(
        "control_measures",
        episode,
        {"site_id": before[0], "site_since": before[1]},
        values,
        detail=f"site assigned ({how}): {placed.site.name}",
    )


def _moving_in(stay: Stay, day: dt.date | None, tz: str) -> tuple[dt.date, dt.datetime]:
    """The first day at a site and the moment of moving in, for an assignment on ``day``
    (None: from the stay's start)."""
    if day is None or day <= stay.first:
        return stay.first, stay.start
    return day, max(stay.start, day_start(day, tz))


def _own(stay: Stay, site: Site) -> bool | None:
    return None if stay.district is None else stay.district == site.district


def assign(
    ctx: ServiceContext,
    episode_ids: Sequence[int],
    site_id: int,
    *,
    day: dt.date | None = None,
    protocol: str | None = None,
    isolation_days: float | None = None,
) -> Assigned:
    """Assign these episodes to the site, all or none (``day``: the day looked at, through
    which an open isolation holds its room [its planned end])."""
    loaded, _ = ctx.protocol(protocol)
    tz = ctx.settings.timezone
    with writing(ctx, detail="control assign") as unit:
        conn = unit.conn
        locks.serialise(conn, name=LOCK)
        place = places_repo.get(conn, place_id=site_id)
        if place is None:
            raise NotFound(f"no place {site_id}")
        kind = PlaceType(place["type"])
        if kind not in SITE_TYPES:
            raise Conflict(
                f"place {site_id} ({place['name']}) is a {kind.value}, not a quarantine or "
                f"isolation site ({', '.join(t.value for t in SITE_TYPES)})"
            )
        if not place["capacity"]:
            raise Conflict(
                f"site {site_id} ({place['name']}) has no rooms: import its capacity first"
            )
        rows = repo.by_ids(conn, measure_ids=list(episode_ids))
        for episode in episode_ids:
            row = rows.get(episode)
            if row is None:
                raise NotFound(f"no episode {episode}")
            status = ControlStatus(row["status"])
            if row["end_time"] is not None or status not in OPEN_CONTROL_STATUSES:
                raise InvalidTransition(
                    f"episode {episode} is {status.value}: only an open episode is given a site"
                )
            if stay_days(row, tz, {}, day) is None:
                kinds = [str(st["kind"]) for st in row["stages"] or []]
                stages = ", ".join(kinds) or ControlKind(row["kind"]).value
                raise Conflict(f"episode {episode} needs no room (its stages: {stages})")
        isolation = assumed_isolation(conn, loaded, isolation_days)
        since = min(r["start_time"] for r in rows.values())
        stays = load_stays(conn, loaded, tz, ended_after=since, isolation=isolation, day=day)
        sites = load_sites(conn)
        site = sites[site_id]
        book = Book({site_id: site}, stays, day)
        by_episode = {s.episode_id: s for s in stays}
        done = Assigned(day, loaded.name, isolation)
        for episode in dict.fromkeys(episode_ids):
            stay = by_episode.get(episode)
            if stay is None:
                raise Conflict(f"episode {episode} needs no room: its stay holds none")
            if stay.site_id == site_id:
                done.unchanged.append(episode)
                continue
            first, since = _moving_in(stay, day, tz)
            if stay.last is not None and first > stay.last:
                raise Conflict(
                    f"episode {episode} holds no room after {stay.last.isoformat()}: nothing "
                    f"to assign on {first.isoformat()}"
                )
            full = book.full_day(site_id, first, stay.last)
            if full is not None:
                when, held = full
                raise Conflict(
                    f"site {site_id} ({site.name}) has no free room for episode {episode} on "
                    f"{when.isoformat()}: {held} of its {site.rooms} rooms are held"
                )
            book.add(site_id, first, stay.last)
            placed = Placed(stay, site, _own(stay, site), first)
            before = (stay.site_id, rows[episode]["site_since"])
            _write(unit, placed, since, before, "by hand")
            done.placed.append(placed)
            if stay.needs is not None and stay.needs != site.type:
                done.warnings.append(
                    f"episode {episode} needs a {stay.needs.value} by {loaded.name}; it is "
                    f"assigned to a {site.type.value}"
                )
    return done


def _preference(
    stay: Stay, sites: list[Site], centroids: dict[str, tuple[float, float]]
) -> list[Site]:
    """Sites in the order a stay is offered them: own district, city, province, nearest."""
    home = point_of(stay.home, centroids)
    code = stay.district or ""

    def key(site: Site) -> tuple[bool, bool, bool, float, int]:
        return (
            site.district != code,
            site.district[:4] != code[:4],
            site.district[:2] != code[:2],
            distance_km(home, site.point),
            site.place_id,
        )

    return sorted(sites, key=key)


def assign_auto(
    ctx: ServiceContext,
    day: dt.date | None = None,
    *,
    protocol: str | None = None,
    isolation_days: float | None = None,
) -> Assigned:
    """Give every open episode needing a room on ``day`` (default: today) without a site one
    with a free room for its stay; list those left without."""
    loaded, _ = ctx.protocol(protocol)
    tz = ctx.settings.timezone
    day = day or local_date(utcnow(), tz)
    with writing(ctx, detail="control assign --auto") as unit:
        conn = unit.conn
        locks.serialise(conn, name=LOCK)
        earliest = repo.earliest_open_start(
            conn,
            kinds=[k.value for k in ROOM_KINDS],
            statuses=[s.value for s in OPEN_CONTROL_STATUSES],
        )
        since = day_start(day, tz) - WEEK
        since = min(since, earliest) if earliest is not None else since
        isolation = assumed_isolation(conn, loaded, isolation_days)
        stays = load_stays(conn, loaded, tz, ended_after=since, isolation=isolation, day=day)
        sites = load_sites(conn)
        book = Book(sites, stays, day)
        centroids = regions_repo.centroids(conn)
        done = Assigned(day, loaded.name, isolation)
        wanted = [
            s
            for s in stays
            if s.open and s.site_id is None and s.needs is not None and s.covers(day)
        ]
        for stay in sorted(wanted, key=lambda s: (s.start, s.episode_id)):
            first, since = _moving_in(stay, day, tz)
            options = [s for s in sites.values() if s.type == stay.needs and s.usable]
            if not options:
                assert stay.needs is not None
                detail = f"no {stay.needs.value} with rooms is registered"
                done.unplaced.append(Unplaced(stay, "no_site", detail, first))
                continue
            for site in _preference(stay, options, centroids):
                if book.full_day(site.place_id, first, stay.last) is None:
                    book.add(site.place_id, first, stay.last)
                    placed = Placed(stay, site, _own(stay, site), first)
                    _write(unit, placed, since, (None, None), "auto")
                    done.placed.append(placed)
                    break
            else:
                assert stay.needs is not None
                last = stay.last.isoformat() if stay.last else "its end"
                done.unplaced.append(
                    Unplaced(
                        stay,
                        "full",
                        f"all {len(options)} {stay.needs.value} sites are full on a day of "
                        f"{first.isoformat()}..{last}",
                        first,
                    )
                )
        if done.unplaced:
            unit.read(
                "control_measures",
                [u.stay.episode_id for u in done.unplaced],
                pii=False,
                purpose="site assignment: episodes without a room",
            )
    return done


__all__ = ["Assigned", "Book", "Placed", "Unplaced", "assign", "assign_auto"]
