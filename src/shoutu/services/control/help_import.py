"""``requests import``: a hotline's log of help requests ``source_ref, received_time,
category[, severity, channel, person_id, region_code, vulnerable, note]``, recorded all or
nothing by ``services/control/help_requests.py``.

``source_ref`` is the log's own id of the call: the same row again changes nothing, the same id
with other values is refused. A row names the asker (``person_id``: their home's community) or
the address (``region_code``, a community or a building in it). Bad rows are reported all at
once by row and field and nothing is written: an unknown person or region, neither given, a
severity outside 1–4, an unknown category, channel or vulnerable group, a time in the future.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shoutu.domain.timeutil import CLOCK_SKEW, utcnow
from shoutu.domain.vocabulary import HelpCategory, HelpChannel, VulnerableGroup
from shoutu.io.provenance import build_provenance
from shoutu.io.tables import read_table
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.help_requests import NewRequest, communities, record
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec, validate_table
from shoutu.store.repositories import help_requests as repo
from shoutu.store.tables import HelpRequest, Person, Region, table


def _groups(value: Any, _: f.ParseOptions) -> tuple[VulnerableGroup, ...]:
    return VulnerableGroup.parse_many(str(value))


FIELDS = (
    f.FieldSpec("source_ref", f.text(64), required=True),
    f.FieldSpec("received_time", f.timestamp, required=True),
    f.FieldSpec("category", f.vocab(HelpCategory), required=True),
    f.FieldSpec("severity", f.integer(1, 4)),
    f.FieldSpec("channel", f.vocab(HelpChannel), default=HelpChannel.HOTLINE),
    f.FieldSpec("person_id", f.integer()),
    f.FieldSpec("region_code", f.region_code),
    f.FieldSpec("vulnerable", _groups, default=()),
    f.FieldSpec("note", f.text(2000)),
)
#: what a stored request must match for a row of the same id to be the same row
#: (not the severity: triage changes it after receipt)
_COMPARED = ("received_time", "category", "person_id")


def _request(values: dict[str, Any]) -> NewRequest:
    return NewRequest(
        category=values["category"],
        received_time=values["received_time"],
        person_id=values.get("person_id"),
        region_code=values.get("region_code"),
        severity=values.get("severity"),
        channel=values.get("channel") or HelpChannel.HOTLINE,
        vulnerable=tuple(values.get("vulnerable") or ()),
        note=values.get("note") or None,
        source_ref=values["source_ref"],
    )


def _prepare(batch: Batch) -> None:
    batch.check_known(
        field_name="person_id", table=table(Person), key="person_id", what="person id"
    )
    batch.check_known(field_name="region_code", table=table(Region), key="code", what="region")
    bad = {(p.row, p.field) for p in batch.report.problems}
    latest = utcnow() + CLOCK_SKEW
    stored = repo.by_source_refs(batch.conn, refs=[p.values["source_ref"] for p in batch.rows])
    usable = []
    for parsed in batch.rows:
        values = parsed.values
        if values.get("received_time") and values["received_time"] > latest:
            batch.problem(parsed, "received_time", "is in the future")
        if values.get("person_id") is None and values.get("region_code") is None:
            batch.problem(parsed, "person_id", "give the asker's person_id or a region_code")
            continue
        if (parsed.row, "person_id") in bad or (parsed.row, "region_code") in bad:
            continue
        before = stored.get(values["source_ref"])
        if before is not None:
            differ = [n for n in _COMPARED if before[n] != values.get(n)]
            for name in differ:
                batch.problem(
                    parsed,
                    name,
                    f"request {values['source_ref']} is stored with {name} {before[name]}: "
                    "a log id names one call",
                )
            values["_stored"] = True
            continue
        if values.get("category") is not None and values.get("received_time") is not None:
            usable.append(parsed)
    for parsed, code in zip(
        usable, communities(batch.conn, [_request(p.values) for p in usable]), strict=True
    ):
        if code is None:
            batch.problem(parsed, "person_id", "the person has no home: give a region_code")


SPEC = EntitySpec(
    entity="help_requests",
    table=table(HelpRequest),
    key="source_ref",
    fields=FIELDS,
    prepare=_prepare,
)


@dataclass
class HelpImport:
    file: str
    rows: int
    recorded: int = 0
    unchanged: int = 0
    triaged: int = 0  # rows with a severity: triaged on receipt
    provenance: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "entity": "help_requests",
            "file": self.file,
            "rows": self.rows,
            "recorded": self.recorded,
            "unchanged": self.unchanged,
            "triaged": self.triaged,
        }


def import_requests(
    ctx: ServiceContext,
    path: Path,
    *,
    date_format: str | None = None,
    allow_dates: bool = False,
    encoding: str | None = None,
) -> HelpImport:
    """Record the log's new requests, all or nothing (an InputError naming every bad row and
    field); rows already stored change nothing."""
    source = read_table(path, encoding)
    with writing(ctx, detail="import help requests") as unit:
        rows = validate_table(
            ctx, unit, SPEC, source, date_format=date_format, allow_dates=allow_dates
        )
        new = [_request(r.values) for r in rows if not r.values.get("_stored")]
        if new:
            record(ctx, unit, new)
    result = HelpImport(source.name, len(rows), len(new), len(rows) - len(new))
    result.triaged = sum(r.severity is not None for r in new)
    result.provenance = build_provenance(
        command="requests import",
        parameters={"date_format": date_format},
        input_hashes=[source.content_hash or ""],
    )
    return result


__all__ = ["FIELDS", "SPEC", "HelpImport", "import_requests"]
