"""A simulator run's contacts and episodes of control as registry rows (``import simulation``).

``contacts.parquet`` (a run's traced contacts, ``sim/contacts.py``) becomes ``contacts`` rows
with the run's own ids: the index case as ``cases.parquet`` numbers it, the last exposure as
``exposure_end`` (its local day by the configured time zone), ``identified_time``, the close
contact of a secondary one as ``via_person_id``, rule ``simulation``. ``quarantine.parquet``
becomes ``control_measures`` rows (id = row number) with their ``stages`` as
``services/control/episodes.plan`` stores them (``[{"kind", "start", "planned_end",
"test_days"}]``, ISO times in UTC and ISO dates), the planned end of the last stage, the
contact whose tracing opened the episode and its case (the index case; for an isolation,
the case). An episode is ``released`` when its end (``end_time``) is by the end of the run,
else ``active``. Older runs without these files or columns load as before.

Nothing here opens what the platform would open for new rows: no test tasks, no case
isolation (``services/control/isolation.py``): the run's own isolation and quarantine
episodes are loaded as the simulator kept them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from shoutu.domain.timeutil import local_date
from shoutu.domain.vocabulary import ContactKind, ControlStatus, Setting
from shoutu.io.tables import InputTable
from shoutu.services.registry.imports import control_measures
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec
from shoutu.store.tables import Case, Contact, Person, Place, table

#: the rule a simulated contact is recorded under
RULE = "simulation"
STAGE_KEYS = frozenset({"kind", "start", "planned_end", "test_days"})


def stages(value: Any, _: f.ParseOptions) -> list[dict[str, Any]]:
    """An episode's stages as ``plan`` stores them (a list of stage objects)."""
    if not isinstance(value, list) or not all(
        isinstance(s, dict) and set(s) == STAGE_KEYS for s in value
    ):
        raise f.BadValue(f"not a list of stages with {sorted(STAGE_KEYS)}")
    return value


CONTACT_FIELDS = (
    f.FieldSpec("contact_id", f.integer(), required=True),
    f.FieldSpec("index_case_id", f.integer(), required=True),
    f.FieldSpec("person_id", f.integer(), required=True),
    f.FieldSpec("kind", f.vocab(ContactKind), required=True),
    f.FieldSpec("setting", f.vocab(Setting), required=True),
    f.FieldSpec("place_id", f.integer()),
    f.FieldSpec("via_person_id", f.integer()),
    f.FieldSpec("exposure_end", f.timestamp, required=True),
    f.FieldSpec("identified_time", f.timestamp),
    f.FieldSpec("rule", f.text(500), required=True),
)


def _prepare_contacts(batch: Batch) -> None:
    batch.check_known(field_name="index_case_id", table=table(Case), key="case_id", what="case")
    for name in ("person_id", "via_person_id"):
        batch.check_known(field_name=name, table=table(Person), key="person_id", what="person id")
    batch.check_known(field_name="place_id", table=table(Place), key="place_id", what="place")
    tz = batch.options.timezone if batch.options else batch.ctx.settings.timezone
    batch.db_rows = [
        {
            **r.values,
            "last_exposure_date": None
            if r.values.get("exposure_end") is None
            else local_date(r.values["exposure_end"], tz),
        }
        for r in batch.rows
    ]


CONTACTS_SPEC = EntitySpec(
    entity="contacts",
    table=table(Contact),
    key="contact_id",
    fields=CONTACT_FIELDS,
    prepare=_prepare_contacts,
    generated_ids=True,  # tracing and import contacts give theirs from the database
    sets={"exposure_end": frozenset({"last_exposure_date"})},
    immutable=frozenset({"person_id", "index_case_id"}),
)


def _prepare_measures(batch: Batch) -> None:
    control_measures.prepare(batch)
    batch.check_known(field_name="case_id", table=table(Case), key="case_id", what="case")
    batch.check_known(
        field_name="contact_id", table=table(Contact), key="contact_id", what="contact"
    )


#: control measures with what a run's episodes also have: case, contact and stages
MEASURES_SPEC = dataclasses.replace(
    control_measures.SPEC,
    fields=(
        *control_measures.FIELDS,
        f.FieldSpec("case_id", f.integer()),
        f.FieldSpec("contact_id", f.integer()),
        f.FieldSpec("stages", stages),
    ),
    prepare=_prepare_measures,
)


def _naive(kind: pa.DataType) -> pa.DataType:
    """``kind`` with its UTC timestamps (nested too) as naive ones."""
    if pa.types.is_timestamp(kind):
        return pa.timestamp(kind.unit)
    if pa.types.is_list(kind):
        return pa.list_(_naive(kind.value_type))
    if pa.types.is_struct(kind):
        return pa.struct([(field.name, _naive(field.type)) for field in kind])
    return kind


def _utc(value: Any) -> Any:
    return value.replace(tzinfo=dt.UTC) if isinstance(value, dt.datetime) else value


def _read(data: pa.Table) -> list[dict[str, Any]]:
    """A run file's rows (its times are UTC), times as aware datetimes. Arrow converts aware
    timestamps one by one through the time zone machinery: naive ones are many times faster."""
    data = data.cast(pa.schema([(c.name, _naive(c.type)) for c in data.schema]))
    return [{k: _utc(v) for k, v in row.items()} for row in data.to_pylist()]


def contacts(directory: Path) -> InputTable:
    """The run's traced contacts as registry rows."""
    path = directory / "contacts.parquet"
    rows = _read(pq.read_table(path))
    return InputTable.from_records(
        str(path),
        [
            {
                "contact_id": row["contact_id"],
                "index_case_id": row["index_case_id"],
                "person_id": row["person_id"],
                "kind": row["kind"],
                "setting": row["setting"],
                "place_id": row["place_id"],
                "via_person_id": row.get("via_person_id"),
                "exposure_end": row["last_exposure_time"],
                "identified_time": row["identified_time"],
                "rule": RULE,
            }
            for row in rows
        ],
    )


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _texts(values: pa.Array, text: Any) -> list[str | None]:
    """Each value of an integer-backed column (timestamps, dates) as ``text`` of its integer,
    each distinct one converted once."""
    numbers = values.view(pa.int32() if pa.types.is_date32(values.type) else pa.int64()).to_pylist()
    seen: dict[int, str] = {}
    return [None if v is None else seen.get(v) or seen.setdefault(v, text(v)) for v in numbers]


def _stage_column(column: pa.ChunkedArray) -> list[list[dict[str, Any]] | None]:
    """quarantine.parquet's ``stages`` as ``plan`` stores them (ISO times in UTC, ISO dates),
    column by column: Arrow converts nested rows one by one, many times slower."""
    lists = column.combine_chunks()
    offsets = lists.offsets.to_numpy()
    offsets = offsets - offsets[0]
    flat = lists.flatten()
    kinds = flat.field("kind").to_pylist()
    starts, ends = (
        _texts(flat.field(name), lambda us: (EPOCH + dt.timedelta(microseconds=us)).isoformat())
        for name in ("start", "planned_end")
    )
    days = flat.field("test_days")
    day_offsets = days.offsets.to_numpy()
    day_offsets = day_offsets - day_offsets[0]
    dates = _texts(days.flatten(), lambda d: (EPOCH.date() + dt.timedelta(days=d)).isoformat())
    stored = [
        {
            "kind": kinds[i],
            "start": starts[i],
            "planned_end": ends[i],
            "test_days": dates[day_offsets[i] : day_offsets[i + 1]],
        }
        for i in range(len(kinds))
    ]
    valid = lists.is_valid().to_pylist()
    return [stored[offsets[i] : offsets[i + 1]] if valid[i] else None for i in range(len(lists))]


def measures(directory: Path, protocol: str, end: dt.datetime) -> InputTable:
    """The run's quarantine and isolation episodes, active or released at the end of the run
    (``end``), with their stages, case and contact when the run has them."""
    path = directory / "quarantine.parquet"
    data = pq.read_table(path)
    staged = "stages" in data.column_names
    planned = _stage_column(data["stages"]) if staged else []
    rows = _read(data.drop_columns(["stages", "test_days"]) if staged else data)
    records = []
    for index, row in enumerate(rows):
        over = row["end_time"] <= end
        record = {
            "measure_id": row.get("episode_id", index + 1),
            "person_id": row["person_id"],
            "kind": row["kind"],
            "status": ControlStatus.RELEASED if over else ControlStatus.ACTIVE,
            "reason": row["reason"],
            "start_time": row["start_time"],
            "planned_end_time": row.get("planned_end_time", row["end_time"]),
            "end_time": row["end_time"] if over else None,
            "protocol": protocol,
        }
        if staged:
            record |= {
                "case_id": row["case_id"],
                "contact_id": row["contact_id"],
                "stages": planned[index],
            }
        records.append(record)
    return InputTable.from_records(str(path), records)


__all__ = ["CONTACTS_SPEC", "MEASURES_SPEC", "RULE", "contacts", "measures", "stages"]
