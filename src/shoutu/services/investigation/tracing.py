"""Contact identification from place-and-time data (流调): who the protocol says must be
controlled, for a set of index cases.

Each index case is traced from the protocol's lookback before onset (or sampling, when there
is no onset) until isolation (else report). Close contacts (密接): members of the case's
household, school class, office, dormitory (and any other group type the protocol has a rule
for) — from the people file's ``*_id`` columns and the groups file — and everyone checked in at
the same place with times overlapping the case's for at least the protocol's minimum (venue
rule; 0 means any overlap; under a city variant with companions, by the venue's type from
the places input and the overlap's length, close contact or spatiotemporal companion 时空伴随者,
``rules/companions.py``). Secondary contacts (次密接): members of the protocol's secondary
settings (household, office, dormitory) of a close contact, from the contact's first exposure
until their quarantine (the quarantine file, else the case's isolation plus the protocol's
tracing delay), who are neither the case nor its close contacts.

The query itself is written once (``contact_query``) and runs on DuckDB over the Parquet files
(embedded, memory capped) or on Apache Spark with identical results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from shoutu.domain.vocabulary import ContactKind, Setting, TaskKind
from shoutu.errors import BadRequest, InputError, NotFound
from shoutu.io.engines import EngineOptions, query_session
from shoutu.io.provenance import build_provenance, file_hashes_later
from shoutu.protocols.schema import Contacts, Protocol
from shoutu.services.investigation.contact_query import (
    CASE_COLUMNS,
    INPUTS,
    TraceInputs,
    contact_rows,
)

if TYPE_CHECKING:  # file mode never opens the store: its modules load in store mode only
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
UTC = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class TraceResult:
    contacts: pa.Table  # the OUTPUT columns
    provenance: dict[str, Any]

    @property
    def kinds(self) -> dict[str, int]:
        """Rows per kind of contact (close, secondary, companion: every kind, zeros too)."""
        counts = {k.value: 0 for k in ContactKind}
        for row in pc.value_counts(self.contacts["kind"]).to_pylist():
            counts[row["values"]] = int(row["counts"])
        return counts


def engine_options(ctx: ServiceContext) -> EngineOptions:
    return EngineOptions(ctx.settings.duckdb_memory_limit, ctx.settings.spark_master)


def input_paths(inputs: object) -> list[Path]:
    """The files among a dataclass of inputs (tables in memory have none)."""
    found: list[Path] = []
    for value in vars(inputs).values():
        if isinstance(value, Path):
            found.append(value)
        elif isinstance(value, tuple):
            found += [p for p in value if isinstance(p, Path)]
    return found


def trace(
    ctx: ServiceContext,
    inputs: TraceInputs,
    *,
    protocol: str | None = None,
    engine: str = "duckdb",
) -> TraceResult:
    """Close and secondary contacts of every case in ``inputs.cases`` (OUTPUT columns), by
    the DuckDB engine or by Spark (same query, same rows). Inputs are tables in memory or
    files (read by the engine, never whole into memory); ``checkins`` may also be the
    check-in store's folder, of which only the days the cases' windows touch are read."""
    chosen, digest = ctx.protocol(protocol)
    paths = input_paths(inputs)
    hashes = file_hashes_later([p for p in paths if p.exists()])
    contacts = trace_tables(inputs, chosen, ctx.settings.timezone, engine, engine_options(ctx))
    provenance = build_provenance(
        command="trace",
        parameters={"protocol": chosen.name, "engine": engine},
        input_hashes=hashes(),
        protocol=(chosen.name, digest),
    )
    return TraceResult(contacts, provenance)


def trace_tables(
    inputs: TraceInputs,
    protocol: Protocol,
    timezone: str,
    engine: str = "duckdb",
    options: EngineOptions | None = None,
) -> pa.Table:
    """The contact rows for ``inputs`` by the protocol's rules (OUTPUT columns); ``checkins``
    may be the check-in store's folder."""
    if isinstance(inputs.checkins, Path) and inputs.checkins.is_dir():
        days = _store_files(inputs, protocol.contacts.lookback_days, timezone)
        inputs = replace(inputs, checkins=days)
    with query_session(engine, inputs, INPUTS, timezone, options) as (runner, checked):
        rows = contact_rows(runner, checked, protocol.contacts)
    return _finish(_worded(rows, protocol.contacts), timezone)


def _store_files(inputs: TraceInputs, lookback_days: int, timezone: str) -> tuple[Path, ...]:
    """A check-in store folder (``checkins/day=…/*.parquet``, or the event store holding it):
    only the days the cases' windows touch (a day either side for time zones; naive case
    times are local)."""
    from shoutu.events.store import day_files
    from shoutu.io.columnar import local_times, read_arrow

    assert isinstance(inputs.checkins, Path)
    folder = inputs.checkins
    if not any(folder.glob("day=*")) and (folder / "checkins").is_dir():
        folder = folder / "checkins"
    cases = inputs.cases if isinstance(inputs.cases, pa.Table) else None
    if cases is None:
        if not isinstance(inputs.cases, Path):
            raise BadRequest("the check-in store needs one cases file or table")
        cases = read_arrow(inputs.cases)
    named = inputs.cases if isinstance(inputs.cases, Path) else Path("cases")
    cases = local_times(cases, named, [*CASE_COLUMNS["start"], *CASE_COLUMNS["end"]], timezone)
    starts = [cases[c].cast(UTC) for c in CASE_COLUMNS["start"] if c in cases.column_names]
    ends = [cases[c].cast(UTC) for c in CASE_COLUMNS["end"] if c in cases.column_names]
    lows = [v for v in (pc.min(c).as_py() for c in starts) if v is not None]
    highs = [v for v in (pc.max(c).as_py() for c in ends) if v is not None]
    if not lows or not highs:
        raise InputError.single("cases", "no onset, sample or isolation times to choose days by")
    low, high = min(lows), max(highs)
    first = (low - dt.timedelta(days=lookback_days + 1)).date()
    found = day_files(folder, first, (high + dt.timedelta(days=1)).date())
    if not found:
        raise InputError.single(str(folder), f"no check-ins stored for {first} to {high.date()}")
    return found


def _worded(rows: pa.Table, rules: Contacts) -> pa.Table:
    """The rows with each one's reason in words (``rule``: the setting, place or group, since
    when and until when, or the close contact it came through), in one order whatever the
    engine: by index, kind, contact, setting, place, exposure start, then every other column."""
    close = pc.equal(rows["kind"], "close")
    secondary = pc.equal(rows["kind"], "secondary")
    venue = pc.equal(rows["setting"], Setting.VENUE.value)
    since = pc.if_else(
        pc.equal(rows["win_rule"], "last_negative"),
        ", with the case from their last negative sample",
        f", with the case from {rules.lookback_days} days before onset (or sampling)",
    )
    via = pc.binary_join_element_wise(", with close contact ", rows["via_id"].cast(pa.string()), "")
    prefix = pc.if_else(
        close, "close contact: ", pc.if_else(secondary, "secondary contact: ", "companion: ")
    )
    rule = pc.binary_join_element_wise(
        prefix,
        pc.if_else(venue, "place ", pc.binary_join_element_wise(rows["setting"], " ", "")),
        pc.if_else(venue, rows["place_id"].cast(pa.string()), rows["group_id"]),
        pc.if_else(secondary, via, since),
        pc.if_else(secondary, " until their quarantine", " until isolation"),
        "",
    )
    worded = rows.drop_columns(["win_rule"]).append_column("rule", rule)
    keys = ["index_id", "kind", "contact_id", "setting", "place_id", "exposure_start"]
    keys += [n for n in worded.column_names if n not in keys]
    return worded.take(
        pc.sort_indices(worded, [(k, "ascending") for k in keys], null_placement="at_end")
    )


def _finish(rows: pa.Table, timezone: str) -> pa.Table:
    """Timestamps and the local date of the last exposure, column by column (a million rows
    must not go through Python one by one)."""
    from shoutu.events.store import local_days

    columns: dict[str, Any] = {name: rows[name] for name in OUTPUT if name in rows.column_names}
    columns["exposure_start"] = rows["exposure_start"].cast(UTC)
    columns["exposure_end"] = end = rows["exposure_end"].cast(UTC)
    columns["last_exposure_date"] = local_days(end, timezone)
    return pa.table({name: columns[name] for name in OUTPUT})


CHECKINS = pa.schema(
    [("person_id", pa.int64()), ("place_id", pa.int64()), ("t_in", UTC), ("t_out", UTC)]
)


def trace_case(ctx: ServiceContext, case_id: int) -> dict[str, int]:
    """Store mode: trace one registered case over the check-in store and the registry's
    workplace memberships (the registry holds no households or classes: those come with file
    mode), and record its close and secondary contacts as Contacts with a contact-control Task
    each, due within the protocol's ``contact_control_hours`` of the case's report, and each
    contact's episode of control opened (or an open one extended) by the protocol's
    quarantine rules (``services/control``); audited. Contacts recorded before are not
    recorded again."""
    from shoutu.events.store import day_files
    from shoutu.services.audit import writing
    from shoutu.services.control.contacts import reasons_for
    from shoutu.services.control.episodes import open_episodes
    from shoutu.services.supervision.tasks import NewTask, Responsible, open_tasks
    from shoutu.store.repositories import cases as cases_repo
    from shoutu.store.repositories import contacts as contacts_repo
    from shoutu.store.repositories import people as people_repo
    from shoutu.store.repositories import places as places_repo

    with ctx.connect() as conn:
        case = cases_repo.get(conn, case_id=case_id, within=ctx.principal.view)
        if case is None:
            raise NotFound(f"no case {case_id}")
        colleagues = people_repo.workplace_members(conn, person_id=int(case["person_id"]))
        protocol, _ = ctx.protocol(case["protocol"])
        kinds = places_repo.types(conn) if protocol.contacts.companions is not None else None
    start = case["onset_time"] or case["sample_time"] or case["report_time"]
    end = case["isolation_time"] or case["report_time"]
    first_day = (start - dt.timedelta(days=protocol.contacts.lookback_days + 1)).date()
    last_day = (end + dt.timedelta(days=1)).date()
    stored = day_files(ctx.settings.event_dir / "checkins", first_day, last_day)
    person = int(case["person_id"])
    inputs = TraceInputs(
        checkins=stored or CHECKINS.empty_table(),
        cases=pa.table(
            {
                "person_id": pa.array([person], pa.int64()),
                "onset_time": pa.array([case["onset_time"]], UTC),
                "sample_time": pa.array([case["sample_time"] or start], UTC),
                "isolation_time": pa.array([end], UTC),
            }
        ),
        people=pa.table({"person_id": pa.array([person], pa.int64())}),
        groups=pa.table(
            {
                "person_id": pa.array([p for p, _ in colleagues], pa.int64()),
                "group_type": pa.array([Setting.WORKPLACE.value] * len(colleagues), pa.string()),
                "group_id": pa.array([str(w) for _, w in colleagues], pa.string()),
            }
        ),
        places=None
        if kinds is None
        else pa.table(
            {
                "place_id": pa.array(list(kinds), pa.int64()),
                "type": pa.array(list(kinds.values()), pa.string()),
            }
        ),
    )
    found = trace_tables(inputs, protocol, ctx.settings.timezone, options=engine_options(ctx))
    with writing(ctx, detail=f"trace case {case_id}") as unit:
        known_rows = contacts_repo.recorded(unit.conn, index_case_id=case_id)
        rows = []
        for r in found.to_pylist():
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
                    **unit.stamp,
                }
            )
        contact_ids = contacts_repo.add(unit.conn, rows=rows)
        unit.created("contacts", contact_ids)
        recorded = [{**r, "contact_id": i} for i, r in zip(contact_ids, rows, strict=True)]
        reasons, _ = reasons_for(protocol, recorded, ctx.settings.timezone)
        episodes = open_episodes(unit, protocol, reasons, ctx.settings.timezone)
        people = sorted({row["person_id"] for row in rows})
        homes = people_repo.home_regions(unit.conn, person_ids=people)
        task_ids = open_tasks(
            unit,
            protocol,
            [
                NewTask(
                    TaskKind.CONTACT_CONTROL,
                    "people",
                    p,
                    f"bring contact of case {case_id} under control",
                    since=case["report_time"],
                    responsible=Responsible(region=homes.get(p)),
                )
                for p in people
            ],
        )
    return {
        "close": sum(1 for row in rows if row["kind"] == ContactKind.CLOSE),
        "secondary": sum(1 for row in rows if row["kind"] == ContactKind.SECONDARY),
        "companions": sum(1 for row in rows if row["kind"] == ContactKind.COMPANION),
        "tasks": len(task_ids),
        "episodes_opened": episodes.opened,
        "episodes_extended": episodes.extended,
        "test_tasks": episodes.tasks,
    }


__all__ = [
    "OUTPUT",
    "TraceInputs",
    "TraceResult",
    "engine_options",
    "input_paths",
    "trace",
    "trace_case",
    "trace_tables",
]
