"""Ports and the cold chain (人、物、环境同防): where batches of inbound goods went, who worked
where, and environment and goods samples; a positive sample puts the staff who handled what
it was taken from under control and names the places its batch reached.

Three files, each validated like every registry file (bad rows by row and field, nothing
written) and recorded in one unit of work; the same row again changes nothing, a known row
with other values (the columns the file has) is corrected, audited with what it was:

- ``import goods``: ``batch_no, place_id, arrived_time[, left_time]`` — a batch (a lot, a
  container number) at a place, known by (batch, place, arrival);
- ``import shifts``: ``person_id, place_id, start_time, end_time`` — a worker's shift at a
  site (排班), known by (person, place, start);
- ``import samples-environment``: ``sample_ref, site_id, object, sample_time, result[,
  batch_no, origin_country, ct]`` — known by ``sample_ref``.

**A positive sample** (``follow_up``), when it is recorded positive or corrected to
positive: the places its batch reached are the batch's movements (every place, by arrival:
where it came from and where it went) and the sample's own site (from the start of its day
when the batch's movements do not name it; ``batch_known`` says whether they were found);
the staff who handled it are the people with a shift at one of those places that overlaps
the batch's stay there, up to the sample's time (after it the batch is sealed). A sample
without a batch was taken from the site itself: its staff are those on shift there up to the
sample's time on its day. Each of them whose measure would not already be over gets an
episode by the protocol's ``quarantine.environment_exposed`` rules (a protocol without them
opens none), counted from the end of their last overlap, control beginning at the later of
that and the sample (the others are listed as ``staff_exposure_over``); and the sample opens
an investigation task (溯源) due by the protocol's investigation deadline. Goods or shifts
recorded after a positive sample do not reopen its follow-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from shoutu.domain.timeutil import local_date, start_of_day
from shoutu.domain.vocabulary import EnvironmentObject, TaskKind, TestOutcome
from shoutu.protocols.schema import Protocol
from shoutu.services.audit import Unit
from shoutu.services.context import ServiceContext
from shoutu.services.control.episodes import Reason, open_episodes
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec
from shoutu.services.registry.imports.recording import (
    FileOptions,
    Recorded,
    corrected,
    once,
    recording,
)
from shoutu.services.supervision.tasks import NewTask, due_time, open_tasks
from shoutu.store.repositories import cold_chain as repo
from shoutu.store.tables import EnvironmentSample, GoodsMovement, Person, Place, Shift, table


def _places(batch: Batch, name: str) -> None:
    batch.check_known(field_name=name, table=table(Place), key="place_id", what="place id")


def _prepare_goods(batch: Batch) -> None:
    _places(batch, "place_id")
    for parsed in batch.rows:
        batch.not_before(parsed, "left_time", "arrived_time")
    once(batch, "movement", ("batch_no", "place_id", "arrived_time"), "arrived_time")


def _prepare_shifts(batch: Batch) -> None:
    batch.check_known(
        field_name="person_id", table=table(Person), key="person_id", what="person id"
    )
    _places(batch, "place_id")
    for parsed in batch.rows:
        batch.not_before(parsed, "end_time", "start_time")
    once(batch, "shift", ("person_id", "place_id", "start_time"), "start_time")


def _prepare_samples(batch: Batch) -> None:
    _places(batch, "site_id")
    once(batch, "sample", ("sample_ref",), "sample_ref")


GOODS = EntitySpec(
    entity="goods",
    table=table(GoodsMovement),
    key="movement_id",
    fields=(
        f.FieldSpec("batch_no", f.text(64), required=True),
        f.FieldSpec("place_id", f.integer(), required=True),
        f.FieldSpec("arrived_time", f.timestamp, required=True),
        f.FieldSpec("left_time", f.timestamp),
    ),
    prepare=_prepare_goods,
)
SHIFTS = EntitySpec(
    entity="shifts",
    table=table(Shift),
    key="shift_id",
    fields=(
        f.FieldSpec("person_id", f.integer(), required=True),
        f.FieldSpec("place_id", f.integer(), required=True),
        f.FieldSpec("start_time", f.timestamp, required=True),
        f.FieldSpec("end_time", f.timestamp, required=True),
    ),
    prepare=_prepare_shifts,
)
SAMPLES = EntitySpec(
    entity="environment samples",
    table=table(EnvironmentSample),
    key="sample_id",
    fields=(
        f.FieldSpec("sample_ref", f.text(64), required=True),
        f.FieldSpec("site_id", f.integer(), required=True),
        f.FieldSpec("object", f.vocab(EnvironmentObject), required=True),
        f.FieldSpec("sample_time", f.timestamp, required=True),
        f.FieldSpec("result", f.vocab(TestOutcome), required=True),
        f.FieldSpec("batch_no", f.text(64)),
        f.FieldSpec("origin_country", f.text(64)),
        f.FieldSpec("ct", f.number(0, 50)),
    ),
    prepare=_prepare_samples,
)


#: each file's identity (the columns a row is known by) and primary key
IDENTITY = {
    GOODS.entity: (("batch_no", "place_id", "arrived_time"), "movement_id"),
    SHIFTS.entity: (("person_id", "place_id", "start_time"), "shift_id"),
    SAMPLES.entity: (("sample_ref",), "sample_id"),
}


def _import(
    ctx: ServiceContext,
    spec: EntitySpec,
    path: Path,
    *,
    options: FileOptions,
    protocol: str | None = None,
) -> Recorded:
    """Record a file's new rows, correct the known ones that differ (audited), and follow up
    each sample that is new and positive or has just become positive."""
    loaded, _ = ctx.protocol(protocol)
    identity, key = IDENTITY[spec.entity]
    command = f"import {spec.entity}"
    with recording(ctx, spec, path, options, command=command, protocol=loaded.name) as (
        unit,
        values,
        result,
    ):
        stored = _stored(unit, spec, values)
        fresh, positive = [], []
        for v in values:
            before = stored.get(tuple(v[c] for c in identity))
            if before is None:
                fresh.append(v)
                continue
            given = (c for c in result.columns if c in v and c not in identity)
            changed = {c: v[c] for c in given if v[c] != before[c]}
            if not changed:
                result.unchanged += 1
                continue
            row_id = int(before[key])
            corrected(
                unit,
                result,
                entity=spec.table.name,
                row_id=row_id,
                before=before,
                changed=changed,
                write=partial(repo.change, unit.conn, spec.table, key=key, row_id=row_id),
                what=spec.entity,
            )
            if changed.get("result") == TestOutcome.POSITIVE:
                positive.append({**before, **changed})
        ids = repo.add(unit.conn, spec.table, key=key, rows=[{**v, **unit.stamp} for v in fresh])
        unit.created(spec.table.name, ids, fresh)
        result.recorded = len(ids)
        if spec is SAMPLES:
            positive += [
                {**v, "sample_id": i}
                for i, v in zip(ids, fresh, strict=True)
                if v["result"] == TestOutcome.POSITIVE
            ]
            result.positives = [follow_up(unit, loaded, s) for s in positive]
    return result


def _stored(
    unit: Unit, spec: EntitySpec, values: list[dict[str, Any]]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The file's rows already stored, by identity."""
    conn = unit.conn
    identity, _ = IDENTITY[spec.entity]
    if spec is SAMPLES:
        found = list(repo.samples_by_ref(conn, refs=[v["sample_ref"] for v in values]).values())
    elif spec is GOODS:
        found = repo.movements_of(conn, batches=sorted({v["batch_no"] for v in values}))
    else:
        found = repo.shifts_at(conn, place_ids=sorted({v["place_id"] for v in values}))
    return {tuple(row[c] for c in identity): row for row in found}


def import_goods(
    ctx: ServiceContext, path: Path, *, options: FileOptions = FileOptions()
) -> Recorded:
    """Record where batches of goods were (see the module)."""
    return _import(ctx, GOODS, path, options=options)


def import_shifts(
    ctx: ServiceContext, path: Path, *, options: FileOptions = FileOptions()
) -> Recorded:
    """Record workers' shifts at sites (see the module)."""
    return _import(ctx, SHIFTS, path, options=options)


def import_environment_samples(
    ctx: ServiceContext,
    path: Path,
    *,
    protocol: str | None = None,
    options: FileOptions = FileOptions(),
) -> Recorded:
    """Record environment and goods samples and follow up each positive (see the module)."""
    return _import(ctx, SAMPLES, path, options=options, protocol=protocol)


def _overlap(
    shift: dict[str, Any], start: dt.datetime, end: dt.datetime | None
) -> dt.datetime | None:
    """The end of a shift's overlap with [start, end) (None: they do not overlap)."""
    until = shift["end_time"] if end is None else min(shift["end_time"], end)
    return until if shift["start_time"] < until and start < until else None


@dataclass(frozen=True)
class Handling:
    """Where a positive sample's batch (or its site) was, up to the sample, and who handled
    it: (person, place) -> the end of their last overlap; whether the batch's movements are
    known."""

    stays: list[tuple[int, dt.datetime, dt.datetime]]
    last: dict[tuple[int, int], dt.datetime]
    batch_known: bool


def handling(conn: Connection, sample: dict[str, Any], tz: str) -> Handling:
    """Who handled what a positive sample was taken from (see the module). The sample's own
    site is always one of the places: from its batch's arrival there, else from the start of
    the sample's day."""
    at: dt.datetime = sample["sample_time"]
    day_start = start_of_day(local_date(at, tz), tz)
    stays: list[tuple[int, dt.datetime, dt.datetime]] = []
    if sample["batch_no"]:
        stays = [
            (int(m["place_id"]), m["arrived_time"], min(m["left_time"] or at, at))
            for m in repo.movements_of(conn, batches=[sample["batch_no"]])
        ]
    known = bool(stays)
    if int(sample["site_id"]) not in {s[0] for s in stays}:
        stays.append((int(sample["site_id"]), min(day_start, at), at))
    last: dict[tuple[int, int], dt.datetime] = {}
    shifts = repo.shifts_at(conn, place_ids=sorted({s[0] for s in stays}))
    for place, start, end in stays:
        for shift in (s for s in shifts if s["place_id"] == place):
            until = _overlap(shift, start, end)
            who = (int(shift["person_id"]), place)
            if until is not None and (who not in last or until > last[who]):
                last[who] = until
    return Handling(stays, last, known or not sample["batch_no"])


def exposures(
    conn: Connection, *, person_ids: Sequence[int], tz: str
) -> dict[int, list[tuple[int, dt.datetime]]]:
    """Each person's handling of what a positive sample came from: (sample, last handling)."""
    wanted = set(person_ids)
    found: dict[int, list[tuple[int, dt.datetime]]] = {}
    for sample in repo.positive_samples(conn):
        for (person, _), until in handling(conn, sample, tz).last.items():
            if person in wanted:
                found.setdefault(person, []).append((int(sample["sample_id"]), until))
    return found


def follow_up(unit: Unit, protocol: Protocol, sample: dict[str, Any]) -> dict[str, Any]:
    """What a positive sample sets off (see the module), in ``unit``. Staff whose measure
    would already be over at the sample are listed, not put under control."""
    at: dt.datetime = sample["sample_time"]
    tz = unit.ctx.settings.timezone
    found = handling(unit.conn, sample, tz)
    rules = protocol.quarantine.environment_exposed
    period = dt.timedelta(days=rules.total_days) if rules is not None else dt.timedelta(0)
    current = {k: v for k, v in found.last.items() if v + period > at}
    reasons = [
        (
            Reason(
                person_id=person,
                anchor=until,
                start=max(until, at),
                place_id=place,
                environment_sample_id=int(sample["sample_id"]),
                batch=sample["batch_no"],
            ),
            rules,
        )
        for (person, place), until in sorted(current.items())
        if rules is not None
    ]
    opened = open_episodes(unit, protocol, reasons, tz)
    task = NewTask(
        kind=TaskKind.INVESTIGATION,
        subject_type="environment_samples",
        subject_id=int(sample["sample_id"]),
        title=f"溯源 环境阳性 {sample['sample_ref']} / trace positive environment sample",
        since=at,
        due=due_time(protocol, TaskKind.INVESTIGATION, at),
    )
    task_ids = open_tasks(unit, protocol, [task])
    reached: list[dict[str, Any]] = []
    for place, arrived, _ in found.stays:
        if place not in [r["place_id"] for r in reached]:
            reached.append({"place_id": place, "arrived": arrived.isoformat()})
    return {
        "sample_ref": sample["sample_ref"],
        "batch_no": sample["batch_no"],
        "batch_known": found.batch_known,
        "places_reached": reached,
        "staff": sorted({p for p, _ in found.last}),
        "staff_exposure_over": sorted({p for p, _ in found.last} - {p for p, _ in current}),
        "episodes_opened": opened.opened,
        "episodes_extended": opened.extended,
        "without_rule": rules is None,
        "investigation_task": task_ids[0] if task_ids else None,
    }


__all__ = [
    "GOODS",
    "SAMPLES",
    "SHIFTS",
    "follow_up",
    "import_environment_samples",
    "import_goods",
    "import_shifts",
]
