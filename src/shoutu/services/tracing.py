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

The engine is DuckDB over the Parquet files (embedded, memory capped), with one SQL text kept
to the common subset of SQL so that it can run elsewhere too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from shoutu.domain.vocabulary import Setting
from shoutu.errors import NotFound
from shoutu.protocols.schema import Protocol
from shoutu.services.context import ServiceContext

MEMORY_LIMIT = "4GB"
GROUP_COLUMNS = {
    "household_id": Setting.HOUSEHOLD.value,
    "school_class_id": Setting.SCHOOL_CLASS.value,
    "office_id": Setting.OFFICE.value,
    "dormitory_id": Setting.DORMITORY.value,
}
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


@dataclass(frozen=True)
class TraceFiles:
    checkins: Path | tuple[Path, ...]  # one file, or the check-in store's day files
    cases: Path
    people: Path
    groups: Path | None = None
    quarantine: Path | None = None


def _columns(con: Any, path: Path) -> list[str]:
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{_quote(path)}')")
    return [str(row[0]) for row in described.fetchall()]


def _quote(path: Path | tuple[Path, ...]) -> str:
    """A file name for read_parquet('…'), or a list of them (the quotes are the caller's)."""
    paths = path if isinstance(path, tuple) else (path,)
    if any("'" in str(p) for p in paths):
        raise ValueError(f"{path}: file names with quotes are not supported")
    if isinstance(path, tuple):
        return "', '".join(str(p) for p in paths)
    return str(path)


def trace_files(files: TraceFiles, protocol: Protocol, timezone: str) -> pa.Table:
    """Close and secondary contacts of every case in the cases file (OUTPUT columns)."""
    import duckdb

    for name, value in vars(files).items():
        paths = value if isinstance(value, tuple) else (value,)
        for path in paths:
            if path is not None and not Path(path).exists():
                raise ValueError(f"{path}: file not found (--{name})")
    rules = protocol.contacts
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute("SET TimeZone = 'UTC'")
    cases = _columns(con, files.cases)
    case_id = "person_id" if "person_id" in cases else "case_id"
    onset = "onset_time" if "onset_time" in cases else "onset_date"
    sample = next((c for c in ("sample_time", "sample_date") if c in cases), "NULL")
    end = next((c for c in ("isolation_time", "report_time") if c in cases), None)
    if end is None:
        raise ValueError(f"{files.cases}: needs isolation_time or report_time")
    report = "report_time" if "report_time" in cases else end
    con.execute(
        f"""CREATE VIEW idx AS
        SELECT CAST({case_id} AS BIGINT) AS index_id,
               CAST(COALESCE({onset}, {sample}) AS TIMESTAMPTZ)
                   - INTERVAL {int(rules.lookback_days)} DAY AS win_start,
               CAST(COALESCE({end}, {report}) AS TIMESTAMPTZ) AS win_end
        FROM read_parquet('{_quote(files.cases)}')
        WHERE COALESCE({onset}, {sample}) IS NOT NULL"""
    )
    people = _columns(con, files.people)
    parts = [
        f"SELECT CAST(person_id AS BIGINT) AS person_id, '{setting}' AS group_type, "
        f"CAST({column} AS VARCHAR) AS group_id FROM read_parquet('{_quote(files.people)}') "
        f"WHERE {column} IS NOT NULL"
        for column, setting in GROUP_COLUMNS.items()
        if column in people
    ]
    if files.groups is not None:
        parts.append(
            "SELECT CAST(person_id AS BIGINT) AS person_id, CAST(group_type AS VARCHAR) AS "
            "group_type, CAST(group_id AS VARCHAR) AS group_id "
            f"FROM read_parquet('{_quote(files.groups)}')"
        )
    union = (
        " UNION ".join(parts)
        if parts
        else (
            "SELECT CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS VARCHAR) AS group_type, "
            "CAST(NULL AS VARCHAR) AS group_id WHERE FALSE"
        )
    )
    con.execute(f"CREATE VIEW members AS {union}")
    close_groups = [s.value for s in rules.rules if s != Setting.VENUE]
    venue = rules.rules.get(Setting.VENUE)
    group_list = ", ".join(f"'{g}'" for g in close_groups) or "''"
    statements = [
        f"""SELECT i.index_id, m2.person_id AS contact_id, 'close' AS kind,
               CAST(NULL AS BIGINT) AS via_id, m1.group_type AS setting,
               CAST(NULL AS BIGINT) AS place_id, i.win_start AS exposure_start,
               i.win_end AS exposure_end, CAST(NULL AS DOUBLE) AS overlap_minutes,
               m1.group_id AS group_id
        FROM idx i
        JOIN members m1 ON m1.person_id = i.index_id AND m1.group_type IN ({group_list})
        JOIN members m2 ON m2.group_type = m1.group_type AND m2.group_id = m1.group_id
        WHERE m2.person_id <> i.index_id"""
    ]
    if venue is not None:
        minimum = 60.0 * venue.min_overlap_minutes
        test = f">= {minimum}" if minimum > 0 else "> 0"
        statements.append(
            f"""SELECT v.index_id, CAST(c.person_id AS BIGINT) AS contact_id, 'close' AS kind,
                   CAST(NULL AS BIGINT) AS via_id, '{Setting.VENUE.value}' AS setting,
                   CAST(c.place_id AS BIGINT) AS place_id,
                   GREATEST(CAST(c.t_in AS TIMESTAMPTZ), v.s) AS exposure_start,
                   LEAST(CAST(c.t_out AS TIMESTAMPTZ), v.e) AS exposure_end,
                   (epoch(LEAST(CAST(c.t_out AS TIMESTAMPTZ), v.e))
                    - epoch(GREATEST(CAST(c.t_in AS TIMESTAMPTZ), v.s))) / 60.0
                       AS overlap_minutes,
                   CAST(NULL AS VARCHAR) AS group_id
            FROM (
                SELECT i.index_id, k.place_id,
                       GREATEST(CAST(k.t_in AS TIMESTAMPTZ), i.win_start) AS s,
                       LEAST(CAST(k.t_out AS TIMESTAMPTZ), i.win_end) AS e
                FROM idx i
                JOIN read_parquet(['{_quote(files.checkins)}']) k
                  ON k.person_id = i.index_id
                 AND CAST(k.t_out AS TIMESTAMPTZ) > i.win_start
                 AND CAST(k.t_in AS TIMESTAMPTZ) < i.win_end
            ) v
            JOIN read_parquet(['{_quote(files.checkins)}']) c
              ON c.place_id = v.place_id
             AND CAST(c.t_in AS TIMESTAMPTZ) < v.e AND CAST(c.t_out AS TIMESTAMPTZ) > v.s
            WHERE c.person_id <> v.index_id
              AND epoch(LEAST(CAST(c.t_out AS TIMESTAMPTZ), v.e))
                  - epoch(GREATEST(CAST(c.t_in AS TIMESTAMPTZ), v.s)) {test}"""
        )
    con.execute("CREATE TABLE close_rows AS " + " UNION ALL ".join(statements))
    secondary = rules.secondary
    if secondary.enabled and secondary.settings:
        delay = int(secondary.tracing_delay_hours)
        quarantine = (
            f"""LEFT JOIN (SELECT CAST(person_id AS BIGINT) AS person_id,
                                  MIN(CAST(start_time AS TIMESTAMPTZ)) AS start_time
                           FROM read_parquet('{_quote(files.quarantine)}') GROUP BY 1) q
                 ON q.person_id = f.contact_id"""
            if files.quarantine is not None
            else "LEFT JOIN (SELECT CAST(NULL AS BIGINT) AS person_id, "
            "CAST(NULL AS TIMESTAMPTZ) AS start_time WHERE FALSE) q ON q.person_id = f.contact_id"
        )
        settings = ", ".join(f"'{s.value}'" for s in secondary.settings)
        con.execute(
            f"""CREATE TABLE secondary_rows AS
            SELECT f.index_id, m2.person_id AS contact_id, 'secondary' AS kind,
                   f.contact_id AS via_id, m1.group_type AS setting,
                   CAST(NULL AS BIGINT) AS place_id, f.first_exposure AS exposure_start,
                   COALESCE(q.start_time, i.win_end + INTERVAL {delay} HOUR) AS exposure_end,
                   CAST(NULL AS DOUBLE) AS overlap_minutes, m1.group_id AS group_id
            FROM (SELECT index_id, contact_id, MIN(exposure_start) AS first_exposure
                  FROM close_rows GROUP BY 1, 2) f
            JOIN idx i ON i.index_id = f.index_id
            {quarantine}
            JOIN members m1 ON m1.person_id = f.contact_id AND m1.group_type IN ({settings})
            JOIN members m2 ON m2.group_type = m1.group_type AND m2.group_id = m1.group_id
            WHERE m2.person_id <> f.contact_id AND m2.person_id <> f.index_id
              AND NOT EXISTS (SELECT 1 FROM close_rows c
                              WHERE c.index_id = f.index_id AND c.contact_id = m2.person_id)"""
        )
    else:
        con.execute("CREATE TABLE secondary_rows AS SELECT * FROM close_rows WHERE FALSE")
    result = con.execute(
        """SELECT * FROM close_rows UNION ALL SELECT * FROM secondary_rows
           ORDER BY index_id, kind, contact_id, setting, place_id, exposure_start"""
    ).arrow()
    con.close()
    return _finish(pa.table(result), rules.lookback_days, timezone)


def _finish(rows: pa.Table, lookback_days: int, timezone: str) -> pa.Table:
    """Readable rules and the local date of the last exposure, column by column (a million
    rows must not go through Python one by one)."""
    import pyarrow.compute as pc

    from shoutu.events.store import local_days

    last = local_days(rows["exposure_end"], timezone)
    venue = pc.equal(rows["setting"], Setting.VENUE.value)
    place = pc.binary_join_element_wise("place ", pc.cast(rows["place_id"], pa.string()), "")
    group = pc.binary_join_element_wise(rows["setting"], rows["group_id"], " ")
    where = pc.if_else(venue, place, group)
    close = pc.binary_join_element_wise(
        "close contact: ",
        where,
        f", with the case from {lookback_days} days before onset (or sampling) until isolation",
        "",
    )
    secondary = pc.binary_join_element_wise(
        "secondary contact: ",
        where,
        ", with close contact ",
        pc.cast(rows["via_id"], pa.string()),
        " until their quarantine",
        "",
    )
    rule = pc.if_else(pc.equal(rows["kind"], "close"), close, secondary)
    columns: dict[str, Any] = {name: rows[name] for name in OUTPUT if name in rows.column_names}
    columns["last_exposure_date"] = last
    columns["rule"] = rule
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
    from shoutu.events.store import event_days
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
    days = [
        d
        for d in event_days(ctx.settings.event_dir, "checkins")
        if first_day.isoformat() <= d <= (end + dt.timedelta(days=1)).date().isoformat()
    ]
    store = ctx.settings.event_dir / "checkins"
    day_files = tuple(f for d in days for f in sorted((store / f"day={d}").glob("*.parquet")))
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
        checkins: Path | tuple[Path, ...] = day_files
        if not day_files:  # nothing checked in: an empty file of the right shape
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
