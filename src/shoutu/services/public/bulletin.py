"""The daily bulletin (疫情通报): the figures of a local day as of its 24:00, from the registry.

Every figure is an as-of count by event time — what had happened by 24:00 of the day, whatever
arrived or changed later — so the bulletin of a past day can be reproduced at any time and
does not move when data for later days arrives:

- a case counts on the local day of its ``report_time``, as what it was then (its
  reclassifications, ``case_reclassifications``, say what it was at each moment);
  ``new_infections`` counts each infection once, on its report day; ``confirmed`` counts,
  as the NHC does, the day's cases reported as confirmed plus those reclassified from
  asymptomatic that day (given apart in ``reclassified_from_asymptomatic``); ``asymptomatic``
  the day's cases reported as asymptomatic infections; suspected cases are not infections;
- ``local_in_control`` and ``local_community``: the day's new local infections found inside
  control (闭环隔离管控中发现) and in the community (社会面筛查中发现);
- discharges and deaths: cases whose ``release_time`` (leaving isolation) falls on the day,
  by their status; in treatment: reported by the day's end and not released by then;
- contacts: traced on the day (``identified_time``, else when recorded) and in all;
  under medical observation: quarantine and health-monitoring episodes in force at 24:00;
  released: those episodes released on the day;
- risk areas: the public list of the day and the day's changes (``services.public.areas``);
  screening: samples taken on the day, people sampled, positive results reported on the day
  (the event store); vaccination: coverage on the day (``services.registry.vaccination``);
  community zero per district (``services.control.community_zero``).

No person appears here: only counts by district and day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyarrow.compute as pc

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.regions import level_code
from shoutu.domain.timeutil import end_of_day, local_date, start_of_day
from shoutu.domain.vocabulary import (
    CaseClass,
    CaseStatus,
    ControlKind,
    Origin,
    RegionLevel,
    VaccinationStatus,
)
from shoutu.events.store import local_days, read_events
from shoutu.io.provenance import build_provenance
from shoutu.services.context import ServiceContext
from shoutu.services.registry.reclassify import classification_at
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import contacts as contacts_repo
from shoutu.store.repositories import measures as measures_repo
from shoutu.store.repositories import reclassifications as reclass_repo
from shoutu.store.repositories import regions as regions_repo

COMMAND = "bulletin"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: the episodes of medical observation (医学观察): contacts' and travellers' measures
OBSERVATION = (ControlKind.CENTRALISED, ControlKind.HOME, ControlKind.HEALTH_MONITORING)
ORIGINS = ("local", "imported")
RESULT_DAYS = 7


def _pair() -> dict[str, int]:
    return {"local": 0, "imported": 0}


def _origin(case: dict[str, Any]) -> str:
    """Imported or local (a case of unknown origin counts as local until it is known)."""
    return "imported" if str(case["origin"]) == Origin.IMPORTED.value else "local"


@dataclass(frozen=True)
class Bulletin:
    """The figures of one day (``figures``: the JSON fields), its districts, the epidemic
    curve up to the day and the district polygons for the map."""

    day: dt.date
    figures: dict[str, Any]
    districts: list[dict[str, Any]]
    curve: list[dict[str, Any]]
    polygons: dict[str, str]
    provenance: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            **self.figures,
            "districts": self.districts,
            "curve": self.curve,
            "provenance": self.provenance,
        }


def bulletin(ctx: ServiceContext, day: dt.date) -> Bulletin:
    """The bulletin of the local ``day`` as of its 24:00 (see the module)."""
    tz = ctx.settings.timezone
    protocol, digest = ctx.protocol()
    start, end = start_of_day(day, tz), end_of_day(day, tz)
    with ctx.connect() as conn:
        reported = cases_repo.reported_between(  # the bulletin is the whole city's
            conn, start=EPOCH, end=end + dt.timedelta(0, 0, 1), within=EVERYWHERE
        )
        changes = reclass_repo.of_cases(conn, case_ids=[int(c["case_id"]) for c in reported])
        traced = contacts_repo.identified_between(conn, start=start, end=end, within=EVERYWHERE)
        traced_total = len(
            contacts_repo.identified_between(conn, start=EPOCH, end=end, within=EVERYWHERE)
        )
        in_force = measures_repo.active_counts(conn, at=end, within=EVERYWHERE)  # city counts
        released = measures_repo.ended_between(
            conn, kinds=[k.value for k in OBSERVATION], status="released", start=start, end=end
        )
        districts = regions_repo.of_level(conn, level=RegionLevel.DISTRICT.value)
    new, confirmed, asymptomatic, reclassified, total = (_pair() for _ in range(5))
    in_control = community = discharged = deaths = in_treatment = 0
    by_district: dict[str, dict[str, int]] = {}
    by_day: dict[dt.date, dict[str, int]] = {}
    for case in reported:
        history = changes.get(int(case["case_id"]), [])
        origin = _origin(case)
        for change in history:  # 转归 that day (whatever the report day): asymptomatic → confirmed
            if (
                start <= change["at"] <= end
                and change["from_class"] == CaseClass.ASYMPTOMATIC
                and change["to_class"] == CaseClass.CONFIRMED
            ):
                reclassified[origin] += 1
                confirmed[origin] += 1
        # an infection counts from the moment it was first confirmed or asymptomatic: its report,
        # or the change that took a suspected case out of suspicion
        counted = _counted_from(case, history)
        if counted is None or counted[0] > end:
            continue
        since, was = counted
        total[origin] += 1
        report_day = local_date(since, tz)
        point = by_day.setdefault(report_day, {"in_control": 0, "community": 0, "imported": 0})
        kind = (
            "imported"
            if origin == "imported"
            else "in_control"
            if case["found_in_control"]
            else "community"
        )
        point[kind] += 1
        released_by_end = case["release_time"] is not None and case["release_time"] <= end
        in_treatment += not released_by_end
        if released_by_end and case["release_time"] >= start:
            died = str(case["status"]) == CaseStatus.DIED.value
            deaths += died
            discharged += not died
        if report_day != day:
            continue
        new[origin] += 1
        (confirmed if was is CaseClass.CONFIRMED else asymptomatic)[origin] += 1
        if origin == "local":
            in_control += bool(case["found_in_control"])
            community += not case["found_in_control"]
        district = level_code(case["region_code"], RegionLevel.DISTRICT) or "unknown"
        row = by_district.setdefault(
            district, {"local": 0, "imported": 0, "in_control": 0, "community": 0}
        )
        row[origin] += 1
        if origin == "local":
            row["in_control" if case["found_in_control"] else "community"] += 1
    names = {d["code"]: d for d in districts}
    zero = _community_zero(ctx, day)
    district_rows = [
        {
            "region_code": code,
            "name_zh": names[code]["name_zh"] if code in names else code,
            "name_en": (names[code]["name_en"] or code) if code in names else code,
            **by_district.get(code, {"local": 0, "imported": 0, "in_control": 0, "community": 0}),
            "community_zero": zero.get(code),
        }
        for code in sorted(set(names) | set(by_district))
    ]
    first = min(by_day, default=day)
    curve = [
        {"date": d.isoformat(), **by_day.get(d, {"in_control": 0, "community": 0, "imported": 0})}
        for d in (first + dt.timedelta(days=i) for i in range((day - first).days + 1))
    ]
    figures = {
        "date": day.isoformat(),
        "as_of": end.isoformat(),
        "protocol": protocol.name,
        "new_infections": new,
        "confirmed": confirmed,
        "reclassified_from_asymptomatic": reclassified,
        "asymptomatic": asymptomatic,
        "local_in_control": in_control,
        "local_community": community,
        "community_zero": {
            "all_zero": bool(zero) and all(s == "zero" for s in zero.values()),
            "districts_at_zero": sum(s == "zero" for s in zero.values()),
            "districts": len(zero),
        },
        "discharged": discharged,
        "deaths": deaths,
        "in_treatment": in_treatment,
        "cumulative_infections": total,
        "contacts": {
            "traced": len(traced),
            "traced_total": traced_total,
            "under_observation": sum(in_force.get(k.value, 0) for k in OBSERVATION),
            "released": len(released),
        },
        "risk_areas": _areas(ctx, day),
        "screening": _screening(ctx, day),
        "vaccination": _vaccination(ctx, day),
    }
    return Bulletin(
        day,
        figures,
        district_rows,
        curve,
        {d["code"]: d["polygon"] for d in districts if d["polygon"]},
        build_provenance(
            command=COMMAND,
            parameters={"date": day.isoformat(), "as_of": end.isoformat()},
            protocol=(protocol.name, digest),
        ),
    )


def _counted_from(
    case: dict[str, Any], history: list[dict[str, Any]]
) -> tuple[dt.datetime, CaseClass] | None:
    """(when, as what) a case first counts as an infection: at its report unless it was
    suspected then, else at the first change to confirmed or asymptomatic; None if never."""
    was = classification_at(case, history, case["report_time"])
    if was is not CaseClass.SUSPECTED:
        return case["report_time"], was
    for change in history:
        if change["at"] >= case["report_time"] and change["to_class"] in (
            CaseClass.CONFIRMED,
            CaseClass.ASYMPTOMATIC,
        ):
            return change["at"], CaseClass(change["to_class"])
    return None


def latest_day(ctx: ServiceContext) -> dt.date:
    """The day a bulletin shows when none is asked for: today (for a simulated city, its
    last simulated day)."""
    from shoutu.services.registry.situation import default_as_of

    with ctx.connect() as conn:
        return local_date(default_as_of(conn), ctx.settings.timezone)


def district_map(found: Bulletin) -> dict[str, Any]:
    """The bulletin's districts as a GeoJSON FeatureCollection (their polygons, with the
    day's cases of each as properties) for a map drawn without tiles."""
    import json

    features = [
        {
            "type": "Feature",
            "id": row["region_code"],
            "properties": {
                k: row[k]
                for k in ("region_code", "name_zh", "name_en", "local", "imported", "community")
            },
            "geometry": json.loads(found.polygons[row["region_code"]]),
        }
        for row in found.districts
        if row["region_code"] in found.polygons
    ]
    return {"type": "FeatureCollection", "features": features}


def public_map(ctx: ServiceContext, day: dt.date) -> dict[str, Any]:
    """The districts' map of ``day`` (GeoJSON, the bulletin's cases of each) with the areas of
    the public list below county level as points: each at its region's centre, else the
    nearest ancestor's that has one (areas with no located ancestor are left off the map)."""
    from shoutu.domain.regions import parse_region_code
    from shoutu.rules.risk_areas import county_of
    from shoutu.services.public.areas import public_areas
    from shoutu.store.repositories import regions as regions_repo

    shape = district_map(bulletin(ctx, day))
    with ctx.connect() as conn:
        centres = regions_repo.centroids(conn)
    points = []
    listed = public_areas(ctx, day)
    for area in listed.areas:
        code: str | None = area["region_code"]
        if code == county_of(area["region_code"]):
            continue  # a county's low entry: the whole district is drawn already
        while code is not None and code not in centres:
            code = parse_region_code(code).parent  # the code's own ancestors
        if code is not None:
            lat, lon = centres[code]
            points.append({**area, "lat": lat, "lon": lon})
    return {**shape, "areas": points, "labels": listed.labels}


def _community_zero(ctx: ServiceContext, day: dt.date) -> dict[str, str]:
    """{district: community-zero status} on ``day`` (nothing when the protocol has no rule)."""
    from shoutu.services.control.community_zero import from_registry

    if ctx.protocol()[0].community_zero is None:
        return {}
    found = from_registry(ctx, day=day, published=True)  # the city's, published to all
    return {r.region: r.status.value for r in found.regions}


def _areas(ctx: ServiceContext, day: dt.date) -> dict[str, Any]:
    """Risk areas in force on ``day`` by level (the county entries apart) and the day's
    changes."""
    from shoutu.services.public.areas import public_areas

    public = public_areas(ctx, day)
    by_level: dict[str, int] = {}
    for area in public.areas:
        by_level[area["level"]] = by_level.get(area["level"], 0) + 1
    changes = [c for c in public.history if c["date"] == day.isoformat()]
    return {
        "in_force": by_level,
        "raised": sum(1 for c in changes if c["from"] is None),
        "lowered_or_lifted": sum(1 for c in changes if c["from"] is not None),
        "changes": changes,
    }


def _screening(ctx: ServiceContext, day: dt.date) -> dict[str, int]:
    """Samples taken on ``day``, the people sampled and the positive results reported that
    day (tests in the event store, by local day)."""
    tz = ctx.settings.timezone
    # partitions by sampling day: results come within a week of their sample
    days = [(day + dt.timedelta(days=d)).isoformat() for d in range(-RESULT_DAYS, 2)]
    tests = read_events(ctx.settings.event_dir, "tests", days=days)
    if not tests.num_rows:
        return {"samples": 0, "people": 0, "positive": 0}
    sampled = tests.filter(pc.equal(local_days(tests["sample_time"], tz), day))
    resulted = tests.filter(pc.equal(local_days(tests["result_time"], tz), day).fill_null(False))
    positive = pc.sum(pc.equal(resulted["result"], "positive").fill_null(False)).as_py() or 0
    return {
        "samples": sampled.num_rows,
        "people": len(pc.unique(sampled["person_id"].drop_null())),
        "positive": int(positive),
    }


def _vaccination(ctx: ServiceContext, day: dt.date) -> dict[str, Any]:
    """Coverage on ``day`` over the whole registry (statuses and the adults boosted)."""
    from shoutu.services.registry.vaccination import coverage

    rows = coverage(ctx, day, level=RegionLevel.PROVINCE)["regions"]
    statuses = [s.value for s in VaccinationStatus]
    people = sum(r["people"] for r in rows)
    counts = {s: sum(r.get(s, 0) for r in rows) for s in statuses}
    complete = counts["primary"] + counts["boosted"] + counts["second_booster"]
    boosted = counts["boosted"] + counts["second_booster"]
    return {
        "people": people,
        **counts,
        "primary_complete_share": round(complete / people, 4) if people else None,
        "boosted_share": round(boosted / people, 4) if people else None,
    }


__all__ = ["ORIGINS", "Bulletin", "bulletin", "district_map", "latest_day", "public_map"]
