"""Community zero (社会面清零) per region on a day, by the protocol's ``community_zero`` rule
(``rules.community_zero``).

:func:`judge` works on a table in memory (``io.community.SCHEMA``: date, region, in_control,
community, population); :func:`from_file` reads a ``date,region,in_control,community
[,population]`` file and calls it (regions are any labels; no store is needed);
:func:`from_registry` counts the registry's cases by their report's local day, in control or
in the community by ``found_in_control``, in the region at a level of the tree that holds the
case's region (else its person's home), with each region's population from the regions file
(as channels' rates use) or, where it gives none, the people registered there, and calls it.

Days without a row count as zero. ``zero_since`` is the first day of a region's streak without
community cases: the day after its last one, or the first day the data covers when it had
none. ``all_zero`` is true when every region is at zero (and there is at least one region).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.regions import level_code
from shoutu.domain.timeutil import end_of_day, local_date
from shoutu.domain.vocabulary import CommunityZeroStatus, RegionLevel
from shoutu.errors import BadRequest, options_checked
from shoutu.io.community import SCHEMA, read_community_series
from shoutu.io.provenance import build_provenance
from shoutu.protocols.schema import CommunityZero
from shoutu.rules.community_zero import community_zero
from shoutu.services.context import ServiceContext
from shoutu.services.guard import may_list
from shoutu.services.registry.situation import default_as_of
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import people as people_repo
from shoutu.store.repositories import regions as regions_repo

COMMAND = "control community-zero"
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class RegionZero:
    region: str
    status: CommunityZeroStatus
    days_since_last_community_case: int | None
    zero_since: dt.date | None
    community: int  # community cases on the day
    in_control: int  # cases found in control on the day
    population: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "status": self.status.value,
            "days_since_last_community_case": self.days_since_last_community_case,
            "zero_since": None if self.zero_since is None else self.zero_since.isoformat(),
            "community": self.community,
            "in_control": self.in_control,
            "population": _whole(self.population),
        }


@dataclass(frozen=True)
class CommunityZeroReport:
    date: dt.date
    protocol: str
    rule: CommunityZero
    regions: list[RegionZero]
    provenance: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def all_zero(self) -> bool:
        return bool(self.regions) and all(
            r.status is CommunityZeroStatus.ZERO for r in self.regions
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "all_zero": self.all_zero,
            "regions": [r.as_json() for r in self.regions],
            "rule": {"protocol": self.protocol, **self.rule.model_dump()},
            "warnings": self.warnings,
            "provenance": self.provenance,
        }


def _whole(number: float | None) -> float | int | None:
    """A count as an int when it is whole."""
    return int(number) if number is not None and number == int(number) else number


def _day(first: dt.date, index: int | None) -> dt.date | None:
    return None if index is None else first + dt.timedelta(days=index)


def protocol_rule(ctx: ServiceContext, name: str | None = None) -> tuple[CommunityZero, str, str]:
    """The community zero rule of the protocol ``name`` (default: the one in force), with the
    protocol's name and hash; a BadRequest when that protocol sets none."""
    protocol, digest = ctx.protocol(name)
    if protocol.community_zero is None:
        raise BadRequest(
            f"protocol {protocol.name} sets no community_zero rule (community zero, 社会面清零, "
            "is a Chinese practice): give a {protocol} that sets one, e.g. cn-9th-2022"
        )
    return protocol.community_zero, protocol.name, digest


def judge(
    counts: pa.Table,
    rule: CommunityZero,
    *,
    day: dt.date | None = None,
    protocol: tuple[str, str],
    parameters: dict[str, Any] | None = None,
    input_hashes: list[str] | None = None,
) -> CommunityZeroReport:
    """Each region's status on ``day`` (default: the table's last date) from a table of
    :data:`~shoutu.io.community.SCHEMA` (rows of a date and region add up; a region's
    population is the largest given)."""
    counts = counts.select(SCHEMA.names).cast(SCHEMA)
    labels = sorted(set(pc.unique(counts["region"]).to_pylist()))
    dates = pc.cast(counts["date"], pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)
    if day is None:
        if not len(dates):
            raise BadRequest("no cases to judge: give the {date}")
        day = EPOCH + dt.timedelta(days=int(dates.max()))
    end = (day - EPOCH).days
    start = min(int(dates.min()) if len(dates) else end, end - rule.days + 1)
    width = end - start + 1
    row_of = {label: i for i, label in enumerate(labels)}
    row = np.asarray([row_of[r] for r in counts["region"].to_pylist()], np.int64)
    keep = dates <= end
    flat = row[keep] * width + (dates[keep] - start)
    matrices = {}
    for name in ("community", "in_control"):
        values = np.zeros(len(labels) * width)
        np.add.at(values, flat, counts[name].to_numpy(zero_copy_only=False)[keep])
        matrices[name] = values.reshape(len(labels), width)
    population = np.full(len(labels), np.nan)
    people = counts["population"].to_numpy(zero_copy_only=False)
    given = ~np.isnan(people)
    np.fmax.at(population, row[given], people[given])
    with options_checked():
        found = community_zero(matrices["community"], rule, population)
    first = EPOCH + dt.timedelta(days=start)
    # a region without community cases: at zero since the first day the data covers
    covered = min(EPOCH + dt.timedelta(days=int(dates.min())), day) if len(dates) else day
    judged = [
        RegionZero(
            region=label,
            status=found.status[i],
            days_since_last_community_case=found.days_since[i],
            zero_since=_day(first, found.zero_since[i])
            if found.days_since[i] is not None
            else max(first, covered),
            community=int(matrices["community"][i, -1]),
            in_control=int(matrices["in_control"][i, -1]),
            population=None if np.isnan(population[i]) else float(population[i]),
        )
        for i, label in enumerate(labels)
    ]
    warnings = [] if judged else ["no regions to judge: all_zero is false"]
    provenance = build_provenance(
        command=COMMAND,
        parameters={"date": day.isoformat(), **(parameters or {})},
        input_hashes=input_hashes or [],
        protocol=protocol,
    )
    return CommunityZeroReport(day, protocol[0], rule, judged, provenance, warnings)


def from_file(
    ctx: ServiceContext,
    path: Path,
    *,
    day: dt.date | None = None,
    protocol: str | None = None,
    date_format: str | None = None,
) -> CommunityZeroReport:
    """Community zero from a ``date,region,in_control,community[,population]`` file (default
    day: its last date)."""
    rule, name, digest = protocol_rule(ctx, protocol)
    counts, content_hash = read_community_series(path, date_format)
    first, last = (pc.min(counts["date"]).as_py(), pc.max(counts["date"]).as_py())
    if day is not None and first is not None and not first <= day <= last:
        raise BadRequest(  # a day the file says nothing of is not a day without cases
            f"the {{date}} {day} is outside the series, which covers {first} to {last}"
        )
    report = judge(
        counts,
        rule,
        day=day,
        protocol=(name, digest),
        parameters={"series": path, "date_format": date_format},
        input_hashes=[content_hash],
    )
    window = report.date - dt.timedelta(days=rule.days - 1)
    if first is not None and window < first:
        report.warnings.append(
            f"the {rule.days} days ending {report.date} start before the series' first day "
            f"{first}: days before it are counted as without community cases"
        )
    return report


def from_registry(
    ctx: ServiceContext,
    *,
    day: dt.date | None = None,
    level: str = RegionLevel.DISTRICT.value,
    protocol: str | None = None,
    published: bool = False,
) -> CommunityZeroReport:
    """Community zero of the registry's regions at ``level`` (default day: today, or a
    simulated registry's last day), of the cases and residents in the caller's jurisdiction
    (``published``: the whole city's, as the public bulletin publishes it, for anyone)."""
    if not published:
        may_list(ctx, "community_zero")
    with options_checked():
        parsed = RegionLevel.parse(level)
    rule, name, digest = protocol_rule(ctx, protocol)
    tz = ctx.settings.timezone
    with ctx.connect() as conn:
        if day is None:
            day = local_date(default_as_of(conn), tz)
        view = EVERYWHERE if published else ctx.principal.view  # its residents and cases only
        found = cases_repo.found_by_region(conn, until=end_of_day(day, tz), within=view)
        residents = people_repo.count_by(conn, column="home_region_code", within=view)
        stated = regions_repo.populations(conn)
    population: dict[str, int] = {}  # the residents registered, unless the regions say
    for code, n in residents.items():
        at = level_code(code, parsed)
        if at is not None:
            population[at] = population.get(at, 0) + n
    for code in population:  # the regions file's figure, as channels' rates use, for a region
        if stated.get(code) and view.covers(code):  # wholly in view (else its residents seen)
            population[code] = int(stated[code])
    rows: dict[tuple[dt.date, str], list[int]] = {}
    unplaced = 0
    for report_time, in_control, code in found:
        at = level_code(code, parsed)
        if at is None:
            unplaced += 0 if in_control else 1
            continue
        cell = rows.setdefault((local_date(report_time, tz), at), [0, 0])
        cell[0 if in_control else 1] += 1
    keys = sorted(rows)
    counts = pa.table(
        {
            "date": pa.array([d for d, _ in keys], pa.date32()),
            "region": pa.array([r for _, r in keys], pa.string()),
            "in_control": pa.array([rows[k][0] for k in keys], pa.int64()),
            "community": pa.array([rows[k][1] for k in keys], pa.int64()),
            "population": pa.array([population.get(r) for _, r in keys], pa.float64()),
        },
        schema=SCHEMA,
    )
    residents_only = pa.table(
        {
            "date": pa.array([day] * len(population), pa.date32()),
            "region": pa.array(list(population), pa.string()),
            "in_control": pa.array([0] * len(population), pa.int64()),
            "community": pa.array([0] * len(population), pa.int64()),
            "population": pa.array(list(population.values()), pa.float64()),
        },
        schema=SCHEMA,
    )
    report = judge(
        pa.concat_tables([counts, residents_only]),
        rule,
        day=day,
        protocol=(name, digest),
        parameters={"level": parsed.value},
    )
    if unplaced:
        report.warnings.append(
            f"{unplaced} community cases have no region at the {parsed.value} level and are "
            "not counted"
        )
    return report


__all__ = ["CommunityZeroReport", "RegionZero", "from_file", "from_registry", "judge"]
