"""Control measures file: quarantine, home quarantine, health monitoring and isolation
episodes of people."""

from __future__ import annotations

from shoutu.domain.vocabulary import ControlKind, ControlStatus
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec
from shoutu.store.tables import ControlMeasure, Person, table

#: the status values files wrote before episodes, and what each is now
LEGACY_STATUS = {"ended": ControlStatus.RELEASED}


def status(value: object, options: f.ParseOptions) -> ControlStatus:
    """A status; ``ended`` (before episodes) is ``released``."""
    text = str(value).strip().casefold()
    if text in LEGACY_STATUS:
        return LEGACY_STATUS[text]
    parsed: ControlStatus = f.vocab(ControlStatus)(value, options)
    return parsed


FIELDS = (
    f.FieldSpec("measure_id", f.integer(), required=True),
    f.FieldSpec("person_id", f.integer(), required=True),
    f.FieldSpec("kind", f.vocab(ControlKind), required=True),
    f.FieldSpec("status", status, required=True),
    f.FieldSpec("reason", f.text(500), required=True),
    f.FieldSpec("start_time", f.timestamp, required=True),
    f.FieldSpec("planned_end_time", f.planned_timestamp),
    f.FieldSpec("end_time", f.timestamp),
    f.FieldSpec("protocol", f.text(64), required=True),
    f.FieldSpec("site", f.text(200)),
)


def prepare(batch: Batch) -> None:
    batch.check_known(
        field_name="person_id", table=table(Person), key="person_id", what="person id"
    )
    for parsed in batch.rows:
        for name in ("planned_end_time", "end_time"):
            batch.not_before(parsed, name, "start_time")
    batch.db_rows = [dict(r.values) for r in batch.rows]


SPEC = EntitySpec(
    entity="control_measures",
    table=table(ControlMeasure),
    key="measure_id",
    fields=FIELDS,
    prepare=prepare,
    generated_ids=True,  # the lab-result workflow opens measures too
    immutable=frozenset({"person_id"}),
)
