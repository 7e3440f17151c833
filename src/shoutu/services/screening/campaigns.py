"""Mass-screening campaigns and their coverage (应检尽检).

A campaign covers an area (a region and its subtree) from a start time, in rounds: round r is
the window [start + r x interval, start + r x interval + round_hours). Defaults come from the
protocol in force: the round time limit (24 h in cn-9th), the interval between rounds (every
other day unless the last round found a case), the pool ratio by the area's risk level.

The target population: residents of the area (home region in the subtree) plus people who work
there (workplace in the subtree), counted where they live or, for workers from outside, where
they work. Coverage per community and building per round: expected, sampled (a PCR sample in
the round's window), resulted, positive. Also: the people not yet tested in a round, the
turnaround (sampling to result) by lab and site, and per community how many more rounds without
a positive it needs before it can be declared clear (the protocol's
``clear_after_negative_rounds``; a round counts only when at least ``clear_min_coverage`` of
the area's target was sampled: an untested area is never clear). People come from the columnar
roster, samples from the event store, so a city of millions is counted in seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.domain.regions import parse_region_code
from shoutu.domain.timeutil import end_of_day, parse_timestamp
from shoutu.domain.vocabulary import RiskLevel
from shoutu.errors import BadRequest, Conflict, NotFound, options_checked
from shoutu.events.store import read_events
from shoutu.io.provenance import build_provenance
from shoutu.protocols.schema import Protocol
from shoutu.rules.mass_screening import campaign_plan, round_coverage
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.services.registry.people import masked_contacts
from shoutu.services.registry.roster import region_targets, roster
from shoutu.services.registry.situation import default_as_of
from shoutu.store.repositories import campaigns as repo
from shoutu.store.repositories import places as places_repo


def create_campaign(
    ctx: ServiceContext,
    name: str,
    *,
    region_code: str,
    start_time: dt.datetime | str,
    risk_level: RiskLevel | str = RiskLevel.MEDIUM,
    rounds: int | None = None,
    round_hours: float | None = None,
    interval_hours: float | None = None,
) -> dict[str, Any]:
    """A new campaign over the region's subtree (times as text are local when naive)."""
    protocol, _ = ctx.protocol()
    values = campaign_values(
        ctx,
        protocol,
        name=name,
        region_code=region_code,
        start_time=start_time,
        risk_level=risk_level,
        rounds=rounds,
        round_hours=round_hours,
        interval_hours=interval_hours,
    )
    with writing(ctx) as unit:
        campaign_id = insert_campaign(unit, values)
    return {"campaign_id": campaign_id, **values}


def campaign_values(
    ctx: ServiceContext,
    protocol: Protocol,
    *,
    name: str,
    region_code: str,
    start_time: dt.datetime | str,
    risk_level: RiskLevel | str = RiskLevel.MEDIUM,
    rounds: int | None = None,
    round_hours: float | None = None,
    interval_hours: float | None = None,
) -> dict[str, Any]:
    """A campaign's stored values, defaults from the protocol (pool ratio by risk level)."""
    with options_checked():
        parse_region_code(region_code)
        if isinstance(start_time, str):
            start_time = parse_timestamp(start_time, ctx.settings.timezone)
        risk_level = RiskLevel.parse(str(risk_level))
    plan = campaign_plan(
        protocol, risk_level, rounds=rounds, round_hours=round_hours, interval_hours=interval_hours
    )
    if plan is None:
        raise BadRequest(f"protocol {protocol.name} has no mass-screening rules")
    if plan.rounds < 1 or plan.round_hours <= 0 or plan.interval_hours <= 0:
        raise BadRequest("{rounds}, {round_hours} and {interval_hours} must be positive")
    return {
        "name": name,
        "region_code": region_code,
        "risk_level": risk_level,
        "start_time": start_time,
        **asdict(plan),
        "protocol": protocol.name,
    }


def insert_campaign(unit: Unit, values: dict[str, Any]) -> int:
    """Store a campaign (its name unique), audited; its id from the database."""
    if repo.by_name(unit.conn, name=values["name"]) is not None:
        raise Conflict(f"campaign {values['name']!r} exists")
    stored = {**values, **unit.stamp}
    campaign_id = repo.add(unit.conn, values=stored)
    unit.created("campaigns", [campaign_id], [stored])
    return campaign_id


@dataclass
class CampaignStatus:
    campaign: dict[str, Any]
    rounds: list[dict[str, Any]] = field(default_factory=list)
    areas: list[dict[str, Any]] = field(default_factory=list)
    turnaround: list[dict[str, Any]] = field(default_factory=list)
    clearance: list[dict[str, Any]] = field(default_factory=list)
    untested: list[int] = field(default_factory=list)  # person ids, latest started round
    # with names asked for: the untested with masked name and phone and their building
    untested_contacts: list[dict[str, Any]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        campaign = {
            k: v.isoformat() if isinstance(v, dt.datetime) else v
            for k, v in self.campaign.items()
            if k not in ("created_at", "updated_at", "updated_by") and not k.startswith("resp_")
        }
        return {
            "campaign": {k: str(v) if hasattr(v, "value") else v for k, v in campaign.items()},
            "rounds": self.rounds,
            "areas": self.areas,
            "turnaround": self.turnaround,
            "clearance": self.clearance,
            "untested": len(self.untested),
        }


def campaign_status(
    ctx: ServiceContext,
    name: str,
    *,
    now: dt.datetime | None = None,
    level: str = "community",
    names: bool = False,
    day: dt.date | None = None,
) -> CampaignStatus:
    """Coverage of every round started by ``now`` (or the end of the local ``day``; default:
    now, or for a registry of synthetic people the end of its simulated run), counting the
    samples taken and results out by then; areas at ``level`` (community or building); with
    ``names``, the masked names of the untested (every read audited)."""
    if level not in ("community", "building"):
        raise BadRequest("{level} must be community or building")
    with ctx.connect() as conn:
        campaign = repo.by_name(conn, name=name)
        if campaign is None:
            raise NotFound(f"no campaign {name!r}")
        places = places_repo.regions(conn)
        if day is not None:
            now = end_of_day(day, ctx.settings.timezone)
        elif now is None:  # as of now, or the end of a simulated run
            now = default_as_of(conn)
    protocol, digest = ctx.protocol(campaign["protocol"])
    rules = protocol.mass_screening
    clear_after = rules.clear_after_negative_rounds if rules else 2
    min_coverage = round_coverage(protocol)
    start: dt.datetime = campaign["start_time"]
    interval = dt.timedelta(hours=campaign["interval_hours"])
    length = dt.timedelta(hours=campaign["round_hours"])
    started = [r for r in range(campaign["rounds"]) if start + r * interval <= now]
    status = CampaignStatus(campaign)
    status.provenance = build_provenance(
        command="screening status",
        parameters={"campaign": name, "level": level, "as_of": now.isoformat()},
        protocol=(protocol.name, digest),
    )
    people = roster(ctx)
    area, ids = region_targets(people, places, campaign["region_code"], level)
    if not started or len(ids) == 0:
        return status
    windows = [(start + r * interval, start + r * interval + length) for r in started]
    days = _days(windows[0][0], windows[-1][1], ctx.settings.timezone)
    wanted = ["person_id", "sample_time", "result_time", "method", "result", "lab_id", "site_id"]
    tests = read_events(ctx.settings.event_dir, "tests", days, wanted)
    sampled = np.zeros((len(started), len(ids)), bool)
    resulted = np.zeros_like(sampled)
    positive = np.zeros_like(sampled)
    turnaround: list[pa.Table] = []
    if tests.num_rows:
        pcr = tests.filter(pc.equal(tests["method"], "pcr"))
        who = np.asarray(pcr["person_id"].to_numpy(zero_copy_only=False), np.int64)
        at = np.minimum(np.searchsorted(ids, who), len(ids) - 1)
        mine = ids[at] == who
        sample = _seconds(pcr["sample_time"])
        result = _seconds(pcr["result_time"])
        is_positive = np.asarray(pc.equal(pcr["result"], "positive").to_numpy(zero_copy_only=False))
        for r, (lo, hi) in enumerate(windows):
            inside = mine & (sample >= lo.timestamp()) & (sample < min(hi, now).timestamp())
            sampled[r, at[inside]] = True
            done = inside & (result <= now.timestamp())
            resulted[r, at[done]] = True
            positive[r, at[done & is_positive]] = True
            turnaround.append(
                pcr.select(["lab_id", "site_id"])
                .filter(pa.array(done))
                .append_column("hours", pa.array((result[done] - sample[done]) / 3600))
            )
    encoded = pc.dictionary_encode(pa.array(area, pa.string()))
    codes = np.asarray(encoded.dictionary.to_pylist(), object)
    index = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), np.int64)
    reorder = np.argsort(codes)
    codes, index = codes[reorder], np.argsort(reorder)[index]
    for r, (lo, hi) in enumerate(windows):
        expected = np.bincount(index, minlength=len(codes))
        counts = [
            np.bincount(index, weights=m[r], minlength=len(codes))
            for m in (sampled, resulted, positive)
        ]
        status.rounds.append(
            {
                "round": started[r] + 1,
                "start": lo.isoformat(),
                "end": hi.isoformat(),
                "complete": hi <= now,
                "expected": len(ids),
                "sampled": int(sampled[r].sum()),
                "resulted": int(resulted[r].sum()),
                "positive": int(positive[r].sum()),
                "coverage": round(float(sampled[r].mean()), 4),
                "positivity": round(float(positive[r].sum() / max(resulted[r].sum(), 1)), 6),
            }
        )
        for c, code in enumerate(codes):
            status.areas.append(
                {
                    "round": started[r] + 1,
                    "area": code,
                    "expected": int(expected[c]),
                    "sampled": int(counts[0][c]),
                    "resulted": int(counts[1][c]),
                    "positive": int(counts[2][c]),
                }
            )
    status.turnaround = _turnaround(pa.concat_tables(turnaround) if turnaround else None)
    complete = [r for r, (_, hi) in enumerate(windows) if hi <= now]
    expected = np.bincount(index, minlength=len(codes))
    found = [np.bincount(index, weights=positive[r], minlength=len(codes)) > 0 for r in complete]
    covered = [
        np.bincount(index, weights=sampled[r], minlength=len(codes))
        >= min_coverage * expected - 1e-9
        for r in complete
    ]
    streak = np.zeros(len(codes), int)
    going = np.ones(len(codes), bool)
    # rounds that count: no positive and the protocol's coverage, counting back from the last
    for hit, enough in zip(reversed(found), reversed(covered), strict=True):
        going &= ~hit & enough
        streak += going
    for c, code in enumerate(codes):
        negative = int(streak[c])
        status.clearance.append(
            {
                "area": code,
                "negative_rounds": negative,
                "rounds_needed": max(0, clear_after - negative),
            }
        )
    status.untested = [int(p) for p in ids[~sampled[-1]]]
    if names:
        masked = masked_contacts(ctx, status.untested, f"campaign {name}: not yet tested")
        status.untested_contacts = [
            {"person_id": p, **masked.get(p, {"name": None, "phone": None, "building": None})}
            for p in status.untested
        ]
    return status


def _days(first: dt.datetime, last: dt.datetime, timezone: str) -> list[str]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    day = first.astimezone(zone).date() - dt.timedelta(days=1)
    end = last.astimezone(zone).date() + dt.timedelta(days=1)
    out = []
    while day <= end:
        out.append(day.isoformat())
        day += dt.timedelta(days=1)
    return out


def _seconds(values: pa.ChunkedArray) -> np.ndarray:
    stamps = pc.cast(values.cast(pa.timestamp("us", tz="UTC")), pa.int64())
    return np.asarray(stamps.to_numpy(zero_copy_only=False), float) / 1e6


def _turnaround(table: pa.Table | None) -> list[dict[str, Any]]:
    """Median and 90th percentile (linear, as numpy) of sampling-to-result hours by lab and
    site: one sort, then each group's order statistics."""
    if table is None or table.num_rows == 0:
        return []
    lab = np.asarray(table["lab_id"].fill_null(-1).to_numpy(zero_copy_only=False), np.int64)
    site = np.asarray(table["site_id"].fill_null(-1).to_numpy(zero_copy_only=False), np.int64)
    hours = np.asarray(table["hours"].to_numpy(zero_copy_only=False), float)
    order = np.lexsort((hours, site, lab))
    lab, site, hours = lab[order], site[order], hours[order]
    starts = np.flatnonzero(np.r_[True, (np.diff(lab) != 0) | (np.diff(site) != 0)])
    ends = np.r_[starts[1:], len(hours)]
    rows = []
    for start, end in zip(starts, ends, strict=True):
        values = hours[start:end]
        rows.append(
            {
                "lab_id": None if lab[start] < 0 else int(lab[start]),
                "site_id": None if site[start] < 0 else int(site[start]),
                "samples": int(end - start),
                "median_hours": round(float(np.quantile(values, 0.5)), 2),
                "p90_hours": round(float(np.quantile(values, 0.9)), 2),
            }
        )
    return rows


def campaign_names(ctx: ServiceContext) -> list[str]:
    with ctx.connect() as conn:
        return repo.names(conn)


__all__ = [
    "CampaignStatus",
    "campaign_names",
    "campaign_status",
    "create_campaign",
]
