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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from shoutu.domain.vocabulary import Setting
from shoutu.protocols.schema import Protocol

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
    checkins: Path
    cases: Path
    people: Path
    groups: Path | None = None
    quarantine: Path | None = None


def _columns(con: Any, path: Path) -> list[str]:
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{_quote(path)}')")
    return [str(row[0]) for row in described.fetchall()]


def _quote(path: Path) -> str:
    text = str(path)
    if "'" in text:
        raise ValueError(f"{path}: file names with quotes are not supported")
    return text


def trace_files(files: TraceFiles, protocol: Protocol, timezone: str) -> pa.Table:
    """Close and secondary contacts of every case in the cases file (OUTPUT columns)."""
    import duckdb

    for name, path in vars(files).items():
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
            "SELECT CAST(person_id AS BIGINT), CAST(group_type AS VARCHAR), "
            f"CAST(group_id AS VARCHAR) FROM read_parquet('{_quote(files.groups)}')"
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
                JOIN read_parquet('{_quote(files.checkins)}') k
                  ON k.person_id = i.index_id
                 AND CAST(k.t_out AS TIMESTAMPTZ) > i.win_start
                 AND CAST(k.t_in AS TIMESTAMPTZ) < i.win_end
            ) v
            JOIN read_parquet('{_quote(files.checkins)}') c
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
    """Readable rules and the local date of the last exposure."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    ends = rows["exposure_end"].to_pylist()
    last = [None if e is None else e.astimezone(zone).date() for e in ends]
    rule = []
    for kind, setting, group, place, via in zip(
        rows["kind"].to_pylist(),
        rows["setting"].to_pylist(),
        rows["group_id"].to_pylist(),
        rows["place_id"].to_pylist(),
        rows["via_id"].to_pylist(),
        strict=True,
    ):
        where = f"place {place}" if setting == Setting.VENUE.value else f"{setting} {group}"
        if kind == "close":
            rule.append(
                f"close contact: {where}, with the case from {lookback_days} days before "
                "onset (or sampling) until isolation"
            )
        else:
            rule.append(
                f"secondary contact: {where}, with close contact {via} until their quarantine"
            )
    columns: dict[str, Any] = {name: rows[name] for name in OUTPUT if name in rows.column_names}
    columns["last_exposure_date"] = pa.array(last, pa.date32())
    columns["rule"] = pa.array(rule, pa.string())
    return pa.table({name: columns[name] for name in OUTPUT})


__all__ = ["OUTPUT", "TraceFiles", "trace_files"]
