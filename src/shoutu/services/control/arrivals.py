"""``import arrivals``: inbound travellers recorded, each arrival opening (or extending) the
person's quarantine by the protocol in force.

A file ``person_id, arrival_time[, port_place_id, origin_country]`` is validated like every
registry file (bad rows by row and field, nothing written) and recorded in one unit of work.
The port, when given, is a place of the registry of a port type (a port, airport or railway
station); the origin is free text (an ISO 3166 code or a country's name). An arrival is known
by (person, arrival time): the same row again changes nothing; a known arrival with another
port or origin is corrected (an empty value keeps the stored one), and so is the reason of
the episode it opened. The protocol's ``quarantine.inbound_traveller`` rules count the
episode from the arrival, control beginning then; a protocol without them records the
arrival and opens nothing. An arrival while the person's quarantine is open (another arrival,
or a contact's) extends that episode.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shoutu.domain.vocabulary import PlaceType
from shoutu.io.provenance import build_provenance
from shoutu.io.tables import read_table
from shoutu.protocols.schema import Protocol, Quarantine
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.episodes import EpisodesImport, Reason, open_episodes
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec, validate_table
from shoutu.store.repositories import arrivals as repo
from shoutu.store.repositories import measures as measures_repo
from shoutu.store.repositories import places as places_repo
from shoutu.store.tables import Arrival, Person, table

#: the place types a traveller arrives through (口岸: sea and land ports, airports, stations)
PORT_TYPES = (PlaceType.PORT, PlaceType.AIRPORT, PlaceType.RAILWAY_STATION)
#: the columns of an arrival a later file may correct (the person and time are its identity)
DESCRIPTIVE = ("port_place_id", "origin_country")

FIELDS = (
    f.FieldSpec("person_id", f.integer(), required=True),
    f.FieldSpec("arrival_time", f.timestamp, required=True),
    f.FieldSpec("port_place_id", f.integer()),
    f.FieldSpec("origin_country", f.text(64)),
)


def _check_ports(batch: Batch) -> None:
    """A problem for each port that is no place of the registry, or not a port."""
    wanted = sorted(
        {r.values["port_place_id"] for r in batch.rows if r.values.get("port_place_id") is not None}
    )
    kinds = places_repo.types_of(batch.conn, place_ids=wanted)
    ports = {t.value for t in PORT_TYPES}
    for parsed in batch.rows:
        place = parsed.values.get("port_place_id")
        if place is None:
            continue
        kind = kinds.get(place)
        if kind is None:
            batch.problem(parsed, "port_place_id", f"unknown place {place}")
        elif kind not in ports:
            batch.problem(
                parsed,
                "port_place_id",
                f"place {place} is a {kind}, not a port ({', '.join(sorted(ports))})",
            )


def _prepare(batch: Batch) -> None:
    batch.check_known(
        field_name="person_id", table=table(Person), key="person_id", what="person id"
    )
    _check_ports(batch)
    for parsed in batch.rows:
        values = parsed.values
        key = (values.get("person_id"), values.get("arrival_time"))
        if None not in key:
            first = batch.first_seen("arrival", key, parsed)
            if first is not None:
                batch.problem(parsed, "arrival_time", f"the same arrival as row {first}")


SPEC = EntitySpec(
    entity="arrivals",
    table=table(Arrival),
    key="arrival_id",  # generated: a file names arrivals by (person, arrival time)
    fields=FIELDS,
    prepare=_prepare,
)


def reasons_for(
    protocol: Protocol, arrivals: list[dict[str, Any]]
) -> tuple[list[tuple[Reason, Quarantine]], int]:
    """What opens each recorded arrival's episode (arrival rows with their ``arrival_id``)
    and by which rules; and how many the protocol has no inbound rule for. The episode counts
    from the arrival and control begins then."""
    rules = protocol.quarantine.inbound_traveller
    if rules is None:
        return [], len(arrivals)
    reasons = [
        (
            Reason(
                person_id=int(a["person_id"]),
                anchor=a["arrival_time"],
                start=a["arrival_time"],
                place_id=a["port_place_id"],
                arrival_id=int(a["arrival_id"]),
                origin=a["origin_country"],
            ),
            rules,
        )
        for a in arrivals
    ]
    return reasons, 0


def _correct(unit: Unit, before: dict[str, Any], row: dict[str, Any]) -> bool:
    """Correct a known arrival's port or origin (a value given and different), and the
    reason of the episode it opened; whether anything changed."""
    changed = {c: row[c] for c in DESCRIPTIVE if row[c] is not None and row[c] != before[c]}
    if not changed:
        return False
    arrival_id = int(before["arrival_id"])
    repo.change(unit.conn, arrival_id=arrival_id, values=changed | unit.touch)
    unit.updated(
        "arrivals",
        arrival_id,
        {c: before[c] for c in changed},
        changed,
        detail="arrival corrected",
    )
    after = {**before, **changed}
    text = Reason(
        person_id=int(before["person_id"]),
        anchor=before["arrival_time"],
        start=before["arrival_time"],
        place_id=after["port_place_id"],
        arrival_id=arrival_id,
        origin=after["origin_country"],
    ).text
    for episode in measures_repo.of_arrivals(unit.conn, arrival_ids=[arrival_id]):
        if episode["reason"] == text:
            continue
        measures_repo.change(
            unit.conn, measure_id=episode["measure_id"], values={"reason": text} | unit.touch
        )
        unit.updated(
            "control_measures",
            episode["measure_id"],
            {"reason": episode["reason"]},
            {"reason": text},
            detail=f"arrival {arrival_id} corrected",
        )
    return True


def import_arrivals(
    ctx: ServiceContext,
    path: Path,
    *,
    protocol: str | None = None,
    date_format: str | None = None,
    allow_dates: bool = False,
    encoding: str | None = None,
) -> EpisodesImport:
    """Record the file's arrivals and open their episodes, all or nothing."""
    loaded, _ = ctx.protocol(protocol)
    tz = ctx.settings.timezone
    source = read_table(path, encoding)
    with writing(ctx, detail="import arrivals") as unit:
        rows = validate_table(
            ctx, unit, SPEC, source, date_format=date_format, allow_dates=allow_dates
        )
        result = EpisodesImport("arrivals", source.name, len(rows), loaded.name)
        known = {
            (int(a["person_id"]), a["arrival_time"]): a
            for arrivals in repo.of_people(
                unit.conn, person_ids=sorted({r.values["person_id"] for r in rows})
            ).values()
            for a in arrivals
        }
        fresh: list[dict[str, Any]] = []  # arrivals to record
        for parsed in rows:
            row = {c: parsed.values[c] for c in ("person_id", "arrival_time", *DESCRIPTIVE)}
            before = known.get((row["person_id"], row["arrival_time"]))
            if before is None:
                fresh.append(row)
            elif _correct(unit, before, row):
                result.updated += 1
            else:
                result.unchanged += 1
        ids = repo.add(unit.conn, rows=[{**row, **unit.stamp} for row in fresh])
        unit.created("arrivals", ids, fresh)
        result.recorded = len(ids)
        recorded = [{**row, "arrival_id": i} for i, row in zip(ids, fresh, strict=True)]
        reasons, result.without_rule = reasons_for(loaded, recorded)
        opened = open_episodes(unit, loaded, reasons, tz)
    result.opened, result.extended, result.tasks = opened.opened, opened.extended, opened.tasks
    result.provenance = build_provenance(
        command="import arrivals",
        parameters={"protocol": loaded.name, "date_format": date_format},
        input_hashes=[source.content_hash or ""],
    )
    return result


__all__ = ["FIELDS", "PORT_TYPES", "SPEC", "import_arrivals", "reasons_for"]
