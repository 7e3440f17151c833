"""Contact identification from place-and-time data (流调): who the protocol says must be
controlled, for a set of index cases.

Each index case is traced from the protocol's lookback before onset (or sampling, when there
is no onset) until isolation (else report). Close contacts (密接): members of the case's
household, school class, office, dormitory (and any other group type the protocol has a rule
for) — from the people file's ``*_id`` columns and the groups file — and everyone checked in at
the same place with times overlapping the case's for at least the protocol's minimum (venue
rule; 0 means any overlap). Secondary contacts (次密接): members of the protocol's secondary
settings (household, office, dormitory) of a close contact, from the contact's first exposure
until their quarantine (the quarantine file, else the case's isolation plus the protocol's
tracing delay), who are neither the case nor its close contacts.

The query itself is written once (``contact_query``) and runs on DuckDB over the Parquet files
(embedded, memory capped) or on Apache Spark with identical results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from shoutu.domain.vocabulary import Setting
from shoutu.errors import NotFound
from shoutu.services.investigation.contact_query import (
    CASE_COLUMNS,
    INPUTS,
    TraceFiles,
    contact_rows,
)

if TYPE_CHECKING:
    from shoutu.io.engines import EngineOptions
    from shoutu.protocols.schema import Protocol
    from shoutu.services.context import ServiceContext

OUTPUT = (
    "index_id",
    "contact_id",
    "kind",
    "via_id",
    "setting",
    "place_id",
    "exposure_start",
    "exposure_end",
    "overlap_minutes",
    "last_exposure_date",
    "rule",
)


def trace_files(
    files: TraceFiles,
    protocol: Protocol,
    timezone: str,
    *,
    engine: str = "duckdb",
    options: EngineOptions | None = None,
) -> pa.Table:
    """Close and secondary contacts of every case in the cases file (OUTPUT columns), by the
    DuckDB engine or by Spark (same query, same rows)."""
    from shoutu.io.engines import query_session

    if isinstance(files.checkins, Path) and files.checkins.is_dir():
        files = replace(files, checkins=_store_files(files, protocol.contacts.lookback_days))
    with query_session(engine, files, INPUTS, timezone, options) as (runner, inputs):
        rows = contact_rows(runner, inputs, protocol.contacts)
    return _finish(rows, timezone)


def _store_files(files: TraceFiles, lookback_days: int) -> tuple[Path, ...]:
    """A check-in store folder (``checkins/day=…/*.parquet``, or the event store holding it):
    only the days the cases' windows touch (a day either side for time zones)."""
    import pyarrow.compute as pc

    from shoutu.events.store import day_files
    from shoutu.io.columnar import read_arrow

    assert isinstance(files.checkins, Path)
    folder = files.checkins
    if not any(folder.glob("day=*")) and (folder / "checkins").is_dir():
        folder = folder / "checkins"
    cases = read_arrow(files.cases)
    utc = pa.timestamp("us", tz="UTC")
    starts = [cases[c].cast(utc) for c in CASE_COLUMNS["start"] if c in cases.column_names]
    ends = [cases[c].cast(utc) for c in CASE_COLUMNS["end"] if c in cases.column_names]
    lows = [v for v in (pc.min(c).as_py() for c in starts) if v is not None]
    highs = [v for v in (pc.max(c).as_py() for c in ends) if v is not None]
    if not lows or not highs:
        raise ValueError(f"{files.cases}: no onset, sample or isolation times to choose days by")
    low, high = min(lows), max(highs)
    first = (low - dt.timedelta(days=lookback_days + 1)).date()
    found = day_files(folder, first, (high + dt.timedelta(days=1)).date())
    if not found:
        raise ValueError(f"{folder}: no check-ins stored for {first} to {high.date()}")
    return found


def _finish(rows: pa.Table, timezone: str) -> pa.Table:
    """Timestamps and the local date of the last exposure, column by column (a million rows
    must not go through Python one by one)."""
    from shoutu.events.store import local_days

    utc = pa.timestamp("us", tz="UTC")
    columns: dict[str, Any] = {name: rows[name] for name in OUTPUT if name in rows.column_names}
    columns["exposure_start"] = rows["exposure_start"].cast(utc)
    columns["exposure_end"] = end = rows["exposure_end"].cast(utc)
    columns["last_exposure_date"] = local_days(end, timezone)
    return pa.table({name: columns[name] for name in OUTPUT})


def trace_case(ctx: ServiceContext, case_id: int) -> dict[str, int]:
    """Store mode: trace one registered case over the check-in store and the registry's
    workplace memberships (the registry holds no households or classes: those come with file
    mode), and record its close and secondary contacts as Contacts with a contact-control Task
    each, due within the protocol's ``contact_control_hours``; audited. Contacts recorded
    before are not recorded again."""
    import tempfile

    import pyarrow.parquet as pq

    from shoutu.domain.timeutil import utcnow
    from shoutu.domain.vocabulary import AuditAction, ContactKind, TaskKind, TaskStatus
    from shoutu.events.store import day_files
    from shoutu.store.repositories import audit
    from shoutu.store.repositories import investigation as repo
    from shoutu.store.repositories import lab as lab_repo

    with ctx.engine.connect() as conn:
        case = repo.case(conn, case_id=case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        colleagues = repo.workplace_members(conn, person_id=int(case["person_id"]))
    protocol, _ = ctx.protocol(case["protocol"])
    start = case["onset_time"] or case["sample_time"] or case["report_time"]
    end = case["isolation_time"] or case["report_time"]
    first_day = (start - dt.timedelta(days=protocol.contacts.lookback_days + 1)).date()
    last_day = (end + dt.timedelta(days=1)).date()
    stored = day_files(ctx.settings.event_dir / "checkins", first_day, last_day)
    person = int(case["person_id"])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        utc = pa.timestamp("us", tz="UTC")
        pq.write_table(
            pa.table(
                {
                    "person_id": pa.array([person], pa.int64()),
                    "onset_time": pa.array([case["onset_time"]], utc),
                    "sample_time": pa.array([case["sample_time"] or start], utc),
                    "isolation_time": pa.array([end], utc),
                }
            ),
            folder / "cases.parquet",
        )
        pq.write_table(
            pa.table({"person_id": pa.array([person], pa.int64())}), folder / "people.parquet"
        )
        pq.write_table(
            pa.table(
                {
                    "person_id": pa.array([p for p, _ in colleagues], pa.int64()),
                    "group_type": pa.array([Setting.WORKPLACE.value] * len(colleagues)),
                    "group_id": pa.array([str(w) for _, w in colleagues]),
                }
            ),
            folder / "groups.parquet",
        )
        checkins: Path | tuple[Path, ...] = stored
        if not stored:  # nothing checked in: an empty file of the right shape
            pq.write_table(
                pa.table(
                    {
                        "person_id": pa.array([], pa.int64()),
                        "place_id": pa.array([], pa.int64()),
                        "t_in": pa.array([], utc),
                        "t_out": pa.array([], utc),
                    }
                ),
                folder / "checkins.parquet",
            )
            checkins = folder / "checkins.parquet"
        files = TraceFiles(
            checkins, folder / "cases.parquet", folder / "people.parquet", folder / "groups.parquet"
        )
        found = trace_files(files, protocol, ctx.settings.timezone).to_pylist()
    now = utcnow()
    stamp = {"created_at": now, "updated_at": now, "updated_by": ctx.actor}
    due = case["report_time"] + dt.timedelta(hours=protocol.timeliness.contact_control_hours)
    with ctx.transaction() as conn:
        known_rows = repo.recorded_contacts(conn, index_case_id=case_id)
        rows = []
        for r in found:
            key = (r["contact_id"], r["kind"], r["setting"], r["place_id"])
            if key in known_rows:
                continue
            known_rows.add(key)
            rows.append(
                {
                    "index_case_id": case_id,
                    "person_id": r["contact_id"],
                    "kind": ContactKind(r["kind"]),
                    "via_person_id": r["via_id"],
                    "setting": Setting(r["setting"]),
                    "place_id": r["place_id"],
                    "exposure_start": r["exposure_start"],
                    "exposure_end": r["exposure_end"],
                    "last_exposure_date": r["last_exposure_date"],
                    "rule": r["rule"],
                    **stamp,
                }
            )
        contact_ids = repo.add_contacts(conn, rows=rows)
        people = sorted({row["person_id"] for row in rows})
        tasks = [
            {
                "kind": TaskKind.CONTACT_CONTROL,
                "status": TaskStatus.OPEN,
                "subject_type": "people",
                "subject_id": str(p),
                "title": f"bring contact of case {case_id} under control",
                "due_time": due,
                **stamp,
            }
            for p in people
        ]
        task_ids = lab_repo.add_tasks(conn, rows=tasks)
        events = [
            ctx.audit_event(AuditAction.CREATE, entity, i, detail=f"trace case {case_id}", at=now)
            for entity, ids in (("contacts", contact_ids), ("tasks", task_ids))
            for i in ids
        ]
        audit.append(conn, events=events)
    close = sum(1 for row in rows if row["kind"] == ContactKind.CLOSE)
    return {"close": close, "secondary": len(rows) - close, "tasks": len(tasks)}


__all__ = ["OUTPUT", "TraceFiles", "trace_case", "trace_files"]
