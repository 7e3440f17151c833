"""``import contacts``: contacts of cases recorded, each opening (or extending) its episode
of control by the protocol in force.

A file ``index_case_id, person_id, kind, setting, last_exposure_time[, place_id,
identified_time]`` is validated like every registry file (bad rows by row and field, nothing
written) and recorded in one unit of work. A contact is known by (index case, person, kind):
the same row again changes nothing; a later last exposure updates it and extends the episode.
The protocol's ``quarantine`` rules for the contact's kind say what the episode counts from:
the last exposure, or identification (``identified_time``, else the last exposure); never
the wall clock. Control begins at identification (else the last exposure).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shoutu.domain.timeutil import end_of_day, local_date
from shoutu.domain.vocabulary import ContactKind, Setting
from shoutu.io.provenance import build_provenance
from shoutu.io.tables import read_table
from shoutu.protocols.schema import Protocol, Quarantine
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.episodes import EpisodesImport, Reason, open_episodes
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec, validate_table
from shoutu.store.repositories import contacts as repo
from shoutu.store.tables import Case, Contact, Person, Place, table

FIELDS = (
    f.FieldSpec("index_case_id", f.integer(), required=True),
    f.FieldSpec("person_id", f.integer(), required=True),
    f.FieldSpec("kind", f.vocab(ContactKind), required=True),
    f.FieldSpec("setting", f.vocab(Setting), required=True),
    f.FieldSpec("last_exposure_time", f.timestamp, required=True),
    f.FieldSpec("place_id", f.integer()),
    f.FieldSpec("identified_time", f.timestamp),
)


def _prepare(batch: Batch) -> None:
    batch.check_known(field_name="index_case_id", table=table(Case), key="case_id", what="case")
    batch.check_known(
        field_name="person_id", table=table(Person), key="person_id", what="person id"
    )
    batch.check_known(field_name="place_id", table=table(Place), key="place_id", what="place")
    for parsed in batch.rows:
        batch.not_before(parsed, "identified_time", "last_exposure_time")
        values = parsed.values
        key = (values.get("index_case_id"), values.get("person_id"), values.get("kind"))
        if None not in key:
            first = batch.first_seen("contact", key, parsed)
            if first is not None:
                batch.problem(parsed, "person_id", f"the same contact as row {first}")


SPEC = EntitySpec(
    entity="contacts",
    table=table(Contact),
    key="contact_id",  # generated: a file names contacts by (index case, person, kind)
    fields=FIELDS,
    prepare=_prepare,
)


def rules_for(protocol: Protocol, kind: ContactKind) -> Quarantine | None:
    """The protocol's quarantine rules for a kind of contact (None: it has none)."""
    rules = protocol.quarantine
    return {
        ContactKind.CLOSE: rules.close_contact,
        ContactKind.SECONDARY: rules.secondary_contact,
        ContactKind.COMPANION: rules.companion,
    }[kind]


def reasons_for(
    protocol: Protocol, contacts: list[dict[str, Any]], tz: str
) -> tuple[list[tuple[Reason, Quarantine]], int]:
    """What opens each recorded contact's episode (contact rows with their ``contact_id``)
    and by which rules; and how many have no quarantine rule in the protocol. The anchor is
    the last exposure (``exposure_end``, else the end of ``last_exposure_date``) or, when the
    rules count from identification, ``identified_time`` (else the last exposure)."""
    reasons: list[tuple[Reason, Quarantine]] = []
    without = 0
    for c in contacts:
        rules = rules_for(protocol, ContactKind(c["kind"]))
        if rules is None:
            without += 1
            continue
        last = c["exposure_end"] or end_of_day(c["last_exposure_date"], tz)
        identified = c.get("identified_time") or last
        reason = Reason(
            person_id=int(c["person_id"]),
            contact_id=int(c["contact_id"]),
            case_id=int(c["index_case_id"]),
            place_id=c["place_id"],
            anchor=identified if rules.counted_from == "identification" else last,
            start=identified,
        )
        reasons.append((reason, rules))
    return reasons, without


def import_contacts(
    ctx: ServiceContext,
    path: Path,
    *,
    protocol: str | None = None,
    date_format: str | None = None,
    allow_dates: bool = False,
    encoding: str | None = None,
) -> EpisodesImport:
    """Record the file's contacts and open their episodes, all or nothing."""
    loaded, _ = ctx.protocol(protocol)
    tz = ctx.settings.timezone
    source = read_table(path, encoding)
    with writing(ctx, detail="import contacts") as unit:
        rows = validate_table(
            ctx, unit, SPEC, source, date_format=date_format, allow_dates=allow_dates
        )
        result = EpisodesImport("contacts", source.name, len(rows), loaded.name)
        values = [r.values for r in rows]
        known = repo.by_index_and_person(
            unit.conn,
            keys=[(v["index_case_id"], v["person_id"], v["kind"].value) for v in values],
        )
        pending: list[dict[str, Any]] = []  # contacts changed: their episodes follow
        fresh: list[dict[str, Any]] = []  # contacts to record
        for v in values:
            row = {
                "index_case_id": v["index_case_id"],
                "person_id": v["person_id"],
                "kind": v["kind"],
                "setting": v["setting"],
                "place_id": v["place_id"],
                "exposure_end": v["last_exposure_time"],
                "last_exposure_date": local_date(v["last_exposure_time"], tz),
                "identified_time": v["identified_time"],
                "rule": "import",
            }
            before = known.get((v["index_case_id"], v["person_id"], v["kind"].value))
            if before is None:
                fresh.append(row)
                continue
            if before["exposure_end"] is None or before["exposure_end"] < row["exposure_end"]:
                contact_id = before["contact_id"]
                changed = [c for c in row if before.get(c) != row[c]]
                repo.change(
                    unit.conn,
                    contact_id=contact_id,
                    values={c: row[c] for c in changed} | unit.touch,
                )
                unit.updated(
                    "contacts",
                    contact_id,
                    {c: before.get(c) for c in changed},
                    {c: row[c] for c in changed},
                    detail="re-exposure",
                )
                result.updated += 1
            else:
                result.unchanged += 1
                continue
            pending.append({**row, "contact_id": contact_id})
        ids = repo.add(unit.conn, rows=[{**row, **unit.stamp} for row in fresh])
        unit.created("contacts", ids, fresh)
        result.recorded = len(ids)
        pending += [{**row, "contact_id": i} for i, row in zip(ids, fresh, strict=True)]
        reasons, result.without_rule = reasons_for(loaded, pending, tz)
        opened = open_episodes(unit, loaded, reasons, tz)
    result.opened, result.extended, result.tasks = opened.opened, opened.extended, opened.tasks
    result.provenance = build_provenance(
        command="import contacts",
        parameters={"protocol": loaded.name, "date_format": date_format},
        input_hashes=[source.content_hash or ""],
    )
    return result


__all__ = ["FIELDS", "SPEC", "import_contacts", "reasons_for", "rules_for"]
