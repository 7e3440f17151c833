"""Cases file: confirmed and asymptomatic infections with their timeline and detection."""

from __future__ import annotations

from itertools import pairwise

from shoutu.domain.vocabulary import CaseClass, CaseStatus, Channel, Origin, Severity
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec
from shoutu.store.tables import Case, Person, Region, table

FIELDS = (
    f.FieldSpec("case_id", f.integer(), required=True),
    f.FieldSpec("person_id", f.integer(), required=True),
    f.FieldSpec("classification", f.vocab(CaseClass), required=True),
    f.FieldSpec("severity", f.vocab(Severity)),
    f.FieldSpec("origin", f.vocab(Origin), required=True),
    f.FieldSpec("channel", f.vocab(Channel), required=True),
    f.FieldSpec("found_in_control", f.boolean, required=True),
    f.FieldSpec("region_code", f.region_code),
    f.FieldSpec("infection_time", f.timestamp),
    f.FieldSpec("onset_time", f.timestamp),
    f.FieldSpec("sample_time", f.timestamp),
    f.FieldSpec("report_time", f.timestamp, required=True),
    f.FieldSpec("isolation_time", f.timestamp),
    f.FieldSpec("release_time", f.timestamp),
    f.FieldSpec("status", f.vocab(CaseStatus), default=CaseStatus.ACTIVE),
    f.FieldSpec("protocol", f.text(64), required=True),
)

# each of these, when given, may not come before the one before it
ORDER = ("infection_time", "sample_time", "report_time")


def prepare(batch: Batch) -> None:
    batch.check_known(
        field_name="person_id", table=table(Person), key="person_id", what="person id"
    )
    batch.check_known(field_name="region_code", table=table(Region), key="code", what="region code")
    for parsed in batch.rows:
        given = [name for name in ORDER if parsed.values.get(name) is not None]
        for earlier, later in pairwise(given):
            batch.not_before(parsed, later, earlier)
        batch.not_before(parsed, "release_time", "isolation_time")
    batch.db_rows = [dict(r.values) for r in batch.rows]


SPEC = EntitySpec(
    entity="cases",
    table=table(Case),
    key="case_id",
    fields=FIELDS,
    prepare=prepare,
    generated_ids=True,  # cases from lab results get theirs from the database
    immutable=frozenset({"person_id"}),
)
