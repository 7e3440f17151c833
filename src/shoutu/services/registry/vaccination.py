"""Vaccination (加强免疫接种): doses as their own records, each person's status, booster
eligibility by the protocol's rules in force on the day (``rules/vaccination.py``), coverage
per region and age band.

``import vaccinations FILE``: ``person_id, date, product, dose_number[, manufacturer, batch,
site_id]`` — a product of the protocol's ``vaccination.primary_doses`` (else refused by row
and field, nothing written), known by (person, dose number): the same row again changes
nothing, a different one corrects it (audited).

``vaccination coverage --date D``: per region at the level (and age band with ``by_age``), the
people of the registry by status on D, the share boosted among those aged 18 and over, and how
many are due a booster and have not had it. ``vaccination outreach --date D``: the people due
a booster on D aged ``min_age`` or more, by community, oldest first (the registry holds no
chronic conditions), with masked names and phones for community workers to call — the read
audited with its purpose. A person's doses are their records given by D;
a person with no records counts their stated ``vaccination_doses`` (given by their
``last_vaccination_date``, the product unknown: a primary series of 2).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from shoutu.domain.regions import level_code
from shoutu.domain.timeutil import end_of_day
from shoutu.domain.vocabulary import RegionLevel, VaccinationStatus
from shoutu.errors import BadRequest
from shoutu.protocols.schema import Protocol, Vaccination
from shoutu.rules.vaccination import Doses, age_on, next_booster, primary_of, status
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec
from shoutu.services.registry.imports.recording import (
    FileOptions,
    Recorded,
    once,
    reconcile,
    recording,
)
from shoutu.services.registry.people import masked_contacts
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import vaccinations as repo
from shoutu.store.tables import Person, Place, VaccinationDose, table

AGE_BANDS = ((0, "0-17"), (18, "18-59"), (60, "60-79"), (80, "80+"))
VALUES = ("date", "product", "manufacturer", "batch", "site_id")


def rules_of(protocol: Protocol) -> Vaccination:
    if protocol.vaccination is None:
        raise BadRequest(f"protocol {protocol.name} has no vaccination rules")
    return protocol.vaccination


def _spec(rules: Vaccination) -> EntitySpec:
    products = sorted(rules.primary_doses)

    def prepare(batch: Batch) -> None:
        batch.check_known(
            field_name="person_id", table=table(Person), key="person_id", what="person id"
        )
        batch.check_known(field_name="site_id", table=table(Place), key="place_id", what="place id")
        for parsed in batch.rows:
            product = parsed.values.get("product")
            if product is not None and product not in rules.primary_doses:
                batch.problem(
                    parsed, "product", f"unknown product {product!r} (known: {', '.join(products)})"
                )
        once(batch, "person and dose", ("person_id", "dose_number"), "dose_number")

    return EntitySpec(
        entity="vaccinations",
        table=table(VaccinationDose),
        key="dose_id",
        fields=(
            f.FieldSpec("person_id", f.integer(), required=True),
            f.FieldSpec("date", f.date, required=True),
            f.FieldSpec("product", f.text(64), required=True),
            f.FieldSpec("dose_number", f.integer(1, 10), required=True),
            f.FieldSpec("manufacturer", f.text(128)),
            f.FieldSpec("batch", f.text(64)),
            f.FieldSpec("site_id", f.integer()),
        ),
        prepare=prepare,
    )


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """A file row as stored (its date is the dose's)."""
    row = {k: v for k, v in values.items() if k != "date"}
    return {**row, "dose_date": values["date"]}


def import_vaccinations(
    ctx: ServiceContext,
    path: Path,
    *,
    protocol: str | None = None,
    options: FileOptions = FileOptions(),
) -> Recorded:
    """Record vaccination doses (see the module), all or nothing."""
    loaded, _ = ctx.protocol(protocol)
    spec = _spec(rules_of(loaded))
    command = "import vaccinations"
    with recording(ctx, spec, path, options, command=command, protocol=loaded.name) as (
        unit,
        values,
        result,
    ):
        given = [c if c != "date" else "dose_date" for c in VALUES if c in result.columns]
        reconcile(
            unit,
            result,
            [_stored(v) for v in values],
            known=repo.of_people(unit.conn, person_ids=sorted({v["person_id"] for v in values})),
            key=lambda v: (v["person_id"], v["dose_number"]),
            columns=given,
            entity="vaccinations",
            id_column="dose_id",
            change=lambda row_id, values: repo.change(unit.conn, dose_id=row_id, values=values),
            add=partial(repo.add, unit.conn),
            what="dose",
        )
    return result


def _band(age: int | None) -> str:
    if age is None:
        return "unknown"
    return [label for low, label in AGE_BANDS if age >= low][-1]


def person_doses(
    person: dict[str, Any], records: list[tuple[dt.date, str]] | None, infected: bool
) -> Doses:
    """A person's doses by the day: their records, else their stated count."""
    if records:
        return Doses([d for d, _ in records], records[0][1], person["birth_date"], infected)
    stated = int(person["vaccination_doses"] or 0)
    last = person["last_vaccination_date"]
    return Doses([last] * stated if last else [], None, person["birth_date"], infected)


OUTREACH_COLUMNS = (
    "community",
    "person_id",
    "name",
    "phone",
    "building",
    "age",
    "booster",
    "due_since",
)


def _people(ctx: ServiceContext, day: dt.date) -> Iterator[tuple[dict[str, Any], Doses]]:
    """Every person of the registry with their doses by ``day``."""
    with ctx.connect() as conn:
        records = repo.doses_by_person(conn, until=day)
        for chunk in repo.people_facts(conn):
            ids = [int(p["person_id"]) for p in chunk]
            infected = cases_repo.people_with_cases(
                conn, person_ids=ids, reported_by=end_of_day(day, ctx.settings.timezone)
            )
            for person in chunk:
                pid = int(person["person_id"])
                doses = person_doses(person, records.get(pid), pid in infected)
                if not records.get(pid) and doses.dates and doses.dates[0] > day:
                    doses = Doses([], None, doses.birth, doses.infected)
                yield person, doses


def outreach(
    ctx: ServiceContext, day: dt.date, *, min_age: int = 60, protocol: str | None = None
) -> dict[str, Any]:
    """Who is due a booster on ``day`` and not boosted, to call (see the module)."""
    loaded, _ = ctx.protocol(protocol)
    rules = rules_of(loaded)
    due = []
    for person, doses in _people(ctx, day):
        age = age_on(doses.birth, day) if doses.birth else None
        nxt = next_booster(rules, doses, day)
        if age is None or age < min_age or nxt is None or nxt[1] > day:
            continue
        community = level_code(person["home_region_code"], RegionLevel.COMMUNITY)
        due.append((community or "", -age, int(person["person_id"]), age, nxt))
    due.sort()
    contacts = masked_contacts(ctx, [d[2] for d in due], purpose="vaccination outreach")
    people = [
        {
            "community": community,
            "person_id": pid,
            **{k: contacts.get(pid, {}).get(k) for k in ("name", "phone", "building")},
            "age": age,
            "booster": booster,
            "due_since": since.isoformat(),
        }
        for community, _, pid, age, (booster, since) in due
    ]
    counts: dict[str, int] = defaultdict(int)
    for community, *_ in due:
        counts[community] += 1
    return {
        "date": day.isoformat(),
        "protocol": loaded.name,
        "min_age": min_age,
        "by_community": dict(sorted(counts.items())),
        "people": people,
    }


def coverage(
    ctx: ServiceContext,
    day: dt.date,
    *,
    level: RegionLevel = RegionLevel.DISTRICT,
    by_age: bool = False,
    protocol: str | None = None,
) -> dict[str, Any]:
    """Vaccination coverage on ``day`` (see the module)."""
    loaded, _ = ctx.protocol(protocol)
    rules = rules_of(loaded)
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for person, doses in _people(ctx, day):
        region = level_code(person["home_region_code"], level) or "unknown"
        age = age_on(doses.birth, day) if doses.birth else None
        row = counts[(region, _band(age) if by_age else "all")]
        row["people"] += 1
        primary = primary_of(rules, doses.product)
        row[status(len(doses.dates), primary).value] += 1
        if age is not None and age >= 18:
            row["adults"] += 1
            row["adults_boosted"] += len(doses.dates) > primary
        due = next_booster(rules, doses, day)
        row["due_booster"] += due is not None and due[1] <= day
    out = []
    for (region, band), row in sorted(counts.items()):
        adults = row["adults"]
        out.append(
            {
                "region_code": region,
                "age_band": band,
                "people": row["people"],
                **{s.value: row[s.value] for s in VaccinationStatus},
                "boosted_share_adults": round(row["adults_boosted"] / adults, 4)
                if adults
                else None,
                "due_booster": row["due_booster"],
            }
        )
    return {"date": day.isoformat(), "protocol": loaded.name, "level": level.value, "regions": out}


__all__ = [
    "OUTREACH_COLUMNS",
    "coverage",
    "import_vaccinations",
    "outreach",
    "person_doses",
    "rules_of",
]
