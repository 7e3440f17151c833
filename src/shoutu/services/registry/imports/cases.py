"""Cases file: confirmed and asymptomatic infections with their timeline and detection.

A file without a ``person_id`` column is a line list: its cases name no registered person.
Each new case then gets a new person (the database gives the id), with what the file says of
them in ``person.*`` columns (``person.sex``, … — the people file's fields), written through the
people import's own checks and encryption in the same batch; a case already stored keeps its
person (re-importing the list creates nobody), whose ``person.*`` columns update them.
"""

from __future__ import annotations

from itertools import pairwise

from shoutu.domain.vocabulary import CaseClass, CaseStatus, Channel, Origin, Severity
from shoutu.services.audit import Unit
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports import people
from shoutu.services.registry.imports.batch import (
    Batch,
    EntitySpec,
    ParsedRow,
    write_generated,
    write_rows,
)
from shoutu.store.repositories import entities
from shoutu.store.tables import Case, Person, Region, table

TABLE = table(Case)

#: the fields of the person a line-list case creates: the people file's, under ``person.``
PERSON = "person."
PERSON_FIELDS = tuple(
    f.FieldSpec(PERSON + spec.name, spec.parser, default=spec.default)
    for spec in people.FIELDS
    if spec.name != people.SPEC.key
)

FIELDS = (
    f.FieldSpec("case_id", f.integer(), required=True),
    # absent: a line list, whose cases get new people; present: required on every row
    f.FieldSpec("person_id", f.integer()),
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
    *PERSON_FIELDS,
)

# each of these, when given, may not come before the one before it
ORDER = ("infection_time", "sample_time", "report_time")


def prepare(batch: Batch) -> None:
    line_list = "person_id" not in batch.columns
    person_columns = sorted(c for c in batch.columns if c.startswith(PERSON))
    if line_list:
        _keep_people(batch)
    else:
        if person_columns and not batch.state.get("_person_columns_told"):
            batch.state["_person_columns_told"] = True
            batch.report.add(
                batch.name,
                None,
                person_columns[0],
                "describes the person a line-list case creates; a file with person_id names "
                "registered people (import people to change them)",
            )
        for parsed in batch.rows:
            if "person_id" in parsed.blank:
                batch.problem(parsed, "person_id", "is required")
        batch.check_known(
            field_name="person_id", table=table(Person), key="person_id", what="person id"
        )
    batch.check_known(field_name="region_code", table=table(Region), key="code", what="region code")
    for parsed in batch.rows:
        given = [name for name in ORDER if parsed.values.get(name) is not None]
        for earlier, later in pairwise(given):
            batch.not_before(parsed, later, earlier)
        batch.not_before(parsed, "release_time", "isolation_time")
    batch.db_rows = [
        {k: v for k, v in r.values.items() if not k.startswith(PERSON)} for r in batch.rows
    ]


def _keep_people(batch: Batch) -> None:
    """A line list's stored cases keep their people: fill in their person ids."""
    keys = [r.values["case_id"] for r in batch.rows if r.values.get("case_id") is not None]
    held = entities.owners(batch.conn, table=TABLE, column="case_id", key="person_id", values=keys)
    for parsed in batch.rows:
        parsed.values["person_id"] = held.get(parsed.values.get("case_id"))


def create_people(unit: Unit, batch: Batch) -> None:
    """A line list's people: new ones for new cases (ids from the database), stored ones
    updated with the ``person.*`` columns given; the people import's checks and encryption."""
    if "person_id" in batch.columns:
        return
    rows = [
        ParsedRow(
            parsed.row,
            parsed.line,
            {"person_id": row["person_id"]}
            | {k.removeprefix(PERSON): v for k, v in parsed.values.items() if k.startswith(PERSON)},
            frozenset(c.removeprefix(PERSON) for c in parsed.blank if c.startswith(PERSON)),
        )
        for parsed, row in zip(batch.rows, batch.db_rows, strict=True)
    ]
    persons = Batch(
        batch.ctx,
        batch.conn,
        batch.name,
        rows,
        batch.report,
        batch.state.setdefault("_people", {}),
        options=batch.options,
        allow_clear=batch.allow_clear,
        prefix=PERSON,
    )
    people.prepare(persons)
    if not batch.report.ok:
        return
    new = [i for i, r in enumerate(persons.db_rows) if r["person_id"] is None]
    stored = [i for i, r in enumerate(persons.db_rows) if r["person_id"] is not None]
    ids = write_generated(unit, people.SPEC, [persons.db_rows[i] for i in new])
    for index, person_id in zip(new, ids, strict=True):
        batch.db_rows[index]["person_id"] = person_id
    columns = [c.removeprefix(PERSON) for c in batch.columns if c.startswith(PERSON)]
    updated = 0
    if stored and columns:
        persons.rows = [persons.rows[i] for i in stored]
        persons.db_rows = [persons.db_rows[i] for i in stored]
        _, updated = write_rows(unit, people.SPEC, persons, given=people.SPEC.given(columns))
    batch.count("people_inserted", len(ids))
    batch.count("people_updated", updated)


SPEC = EntitySpec(
    entity="cases",
    table=TABLE,
    key="case_id",
    fields=FIELDS,
    prepare=prepare,
    generated_ids=True,  # cases from lab results get theirs from the database
    immutable=frozenset({"person_id"}),
    before_write=create_people,
)
