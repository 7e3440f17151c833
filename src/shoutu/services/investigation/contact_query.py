"""The contact query, written once: close and secondary contacts of index cases as SQL over
named views, run by DuckDB or Spark (``shoutu.io.engines``).

Inputs are loaded as raw views (``raw_cases``, ``raw_people``, ``raw_checkins`` and the
optional ``raw_groups``, ``raw_quarantine``, ``raw_tests``); times become integer microseconds
since the epoch. The steps, each a named table:

1. ``idx``: each index case's window (lookback before onset or sampling, or the last negative
   sample; until isolation, else report) and which rule opened it;
2. ``index_groups`` -> ``close_members``: the cases' group memberships, then everyone in those
   groups (semi-joins: only the memberships that matter are built);
3. ``index_places`` -> ``venue_visits`` -> ``index_visits`` -> ``exposed``: the check-ins are
   read twice, first two columns for the places the cases visited, then every visit there
   within the windows' span (``span_checkins``: the span compared with the stored times as
   constants inside the engine's scan, the places tested before any time is converted); each
   case's own visits inside its window are its exposures;
4. ``venue_rows`` (``venue_query``): co-present visitors, each pair classified as close
   contact or companion by the shared rule; ``close_rows``: group members and the close pairs;
5. ``contact_groups`` -> ``secondary_members`` -> ``secondary_rows``: the close contacts'
   secondary settings and their members, until the contact's quarantine;
6. ``companion_rows``: the companion pairs of people who are not close contacts of the case.

The result has one row per index, contact, setting and place (``ROW_SCHEMA``), with the rule
that opened the case's window; the trace words the rules and sorts (``tracing``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from shoutu.domain.vocabulary import Channel, Setting, TestMethod, TestOutcome
from shoutu.errors import InputError
from shoutu.io.engines import Columns, InputSpec, Overlap, QueryEngine, Source
from shoutu.protocols.schema import Contacts
from shoutu.services.investigation.venue_query import (
    COMPANION_ROWS,
    US_PER_MINUTE,
    check_places,
    venue_rows,
)

US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
GROUP_COLUMNS = {
    "household_id": Setting.HOUSEHOLD.value,
    "school_class_id": Setting.SCHOOL_CLASS.value,
    "office_id": Setting.OFFICE.value,
    "dormitory_id": Setting.DORMITORY.value,
}
# cases found by repeated testing: traced from their last negative sample when that is later
# than the protocol's lookback (and the protocol says so)
REPEATED_TESTING = (Channel.ROUTINE_SCREENING, Channel.MASS_SCREENING, Channel.QUARANTINE_TESTING)
CASE_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("person_id", "case_id"),
    "start": ("onset_time", "onset_date", "sample_time", "sample_date"),
    "end": ("isolation_time", "report_time"),
}
# what the inputs must hold (alternatives per column), checked before any engine reads them
INPUTS = InputSpec(
    required={
        "checkins": [("person_id",), ("place_id",), ("t_in",), ("t_out",)],
        "cases": list(CASE_COLUMNS.values()),
        "people": [("person_id",)],
        "groups": [("person_id",), ("group_type",), ("group_id",)],
        "quarantine": [("person_id",), ("start_time",)],
        "tests": [("person_id",), ("sample_time",), ("result",)],
        "places": [("place_id",), ("type", "place_type")],
    },
    times=frozenset(
        {
            "t_in",
            "t_out",
            "onset_time",
            "sample_time",
            "isolation_time",
            "report_time",
            "start_time",
        }
    ),
)
ROW_SCHEMA = pa.schema(
    [
        ("index_id", pa.int64()),
        ("contact_id", pa.int64()),
        ("kind", pa.string()),
        ("via_id", pa.int64()),
        ("setting", pa.string()),
        ("place_id", pa.int64()),
        ("exposure_start", pa.int64()),  # microseconds since the epoch
        ("exposure_end", pa.int64()),
        ("overlap_minutes", pa.float64()),
        ("group_id", pa.string()),
    ]
)


@dataclass(frozen=True)
class TraceInputs:
    """The trace's inputs: each a file, a table in memory, or (check-ins) the check-in store's
    day files."""

    checkins: Source
    cases: Source
    people: Source
    groups: Source | None = None
    quarantine: Source | None = None
    tests: Source | None = None
    places: Source | None = None


def _micros(column: str) -> str:
    return f"UNIX_MICROS(CAST({column} AS TIMESTAMPTZ))"


def _first(columns: Columns, *names: str) -> str | None:
    return next((n for n in names if n in columns), None)


def _source(value: Source) -> tuple[Path, ...] | pa.Table:
    return value if isinstance(value, (tuple, pa.Table)) else (value,)


def load_inputs(engine: QueryEngine, inputs: object) -> dict[str, Columns]:
    """Every input of ``inputs`` (a dataclass of sources, checked by the engine session) as a
    raw view ``raw_<field>``; returns each loaded view's columns."""
    loaded = {}
    for name, value in vars(inputs).items():
        if value is not None:
            loaded[name] = engine.load(f"raw_{name}", _source(value))
    return loaded


def span_checkins(
    engine: QueryEngine, checkins: Source, name: str = "span_checkins", where: str | None = None
) -> bool:
    """The view ``name``: the check-ins that may overlap the span of the index windows
    (``idx``) and meet ``where``, filtered before their times are converted (the span inside
    the engine's scan); False when no window has both ends."""
    span = engine.fetch("SELECT MIN(win_start) AS low, MAX(win_end) AS high FROM idx")
    low, high = span["low"][0].as_py(), span["high"][0].as_py()
    if low is None or high is None:
        return False
    overlap = Overlap("t_in", "t_out", int(low), int(high))
    engine.load(name, _source(checkins), overlap, where)
    return True


def index_views(engine: QueryEngine, loaded: dict[str, Columns], rules: Contacts) -> None:
    cases = loaded["cases"]
    case_id = _first(cases, *CASE_COLUMNS["id"])
    onset = _first(cases, "onset_time", "onset_date")
    sample = _first(cases, "sample_time", "sample_date")
    end = _first(cases, *CASE_COLUMNS["end"])
    if case_id is None or (onset is None and sample is None) or end is None:
        raise InputError.single(
            "cases",
            "needs person_id (or case_id), onset_time or sample_time, and isolation_time or "
            "report_time",
        )
    report = _first(cases, "report_time") or end
    anchor = ", ".join(_micros(c) for c in (onset, sample) if c is not None)
    channels = ", ".join(f"'{c.value}'" for c in REPEATED_TESTING)
    repeated = f"CAST(channel AS VARCHAR) IN ({channels})" if "channel" in cases else "TRUE"
    engine.view(
        "anchors",
        f"""SELECT CAST({case_id} AS BIGINT) AS index_id, COALESCE({anchor}) AS anchor,
               COALESCE({_micros(end)}, {_micros(report)}) AS win_end, {repeated} AS repeated
        FROM raw_cases WHERE COALESCE({anchor}) IS NOT NULL""",
    )
    tests = loaded.get("tests")
    if tests is not None and rules.lookback_from_last_negative:
        method = (
            f"AND CAST(t.method AS VARCHAR) = '{TestMethod.PCR.value}'" if "method" in tests else ""
        )
        engine.view(
            "last_negative",
            f"""SELECT a.index_id, MAX({_micros("t.sample_time")}) AS last_negative
            FROM anchors a JOIN raw_tests t ON CAST(t.person_id AS BIGINT) = a.index_id
            WHERE CAST(t.result AS VARCHAR) = '{TestOutcome.NEGATIVE.value}' {method}
              AND {_micros("t.sample_time")} < a.anchor
            GROUP BY a.index_id""",
        )
    else:
        engine.view(
            "last_negative",
            "SELECT index_id, CAST(NULL AS BIGINT) AS last_negative FROM anchors WHERE 1 = 0",
        )
    lookback = int(rules.lookback_days) * US_PER_DAY
    later = f"a.repeated AND n.last_negative > a.anchor - {lookback}"
    engine.table(
        "idx",
        f"""SELECT a.index_id,
               CASE WHEN {later} THEN n.last_negative ELSE a.anchor - {lookback} END AS win_start,
               a.win_end,
               CASE WHEN {later} THEN 'last_negative' ELSE 'lookback' END AS win_rule
        FROM anchors a LEFT JOIN last_negative n ON n.index_id = a.index_id""",
    )


def _memberships(
    loaded: dict[str, Columns],
    types: list[str],
    *,
    persons: str | None = None,
    groups: str | None = None,
) -> str:
    """Memberships (person_id, group_type, group_id) of the given group types from the people
    file's ``*_id`` columns and the groups file: of the persons in the subquery ``persons``,
    or in the groups of the table ``groups``. Semi-joins, so that only the memberships that
    matter are ever built (ten million people have twenty million)."""
    parts, scanned, prefix = [], "raw_people", ""
    columns = {c: s for c, s in GROUP_COLUMNS.items() if c in loaded["people"] and s in types}
    if persons is not None and columns:  # the persons' rows read once, whatever the columns
        scanned = "person_rows"
        read = ", ".join(["person_id", *columns])
        prefix = f"WITH person_rows AS (SELECT {read} FROM raw_people "
        prefix += f"WHERE person_id IN ({persons})) "
    for column, setting in columns.items():
        where = [f"{column} IS NOT NULL"]
        if groups is not None:
            where.append(
                f"CAST({column} AS VARCHAR) IN "
                f"(SELECT group_id FROM {groups} WHERE group_type = '{setting}')"
            )
        parts.append(
            f"SELECT CAST(person_id AS BIGINT) AS person_id, '{setting}' AS group_type, "
            f"CAST({column} AS VARCHAR) AS group_id FROM {scanned} WHERE {' AND '.join(where)}"
        )
    if "groups" in loaded and types:
        listed = ", ".join(f"'{t}'" for t in types)
        where = [f"CAST(r.group_type AS VARCHAR) IN ({listed})", "r.group_id IS NOT NULL"]
        if persons is not None:
            where.append(f"r.person_id IN ({persons})")
        if groups is not None:
            where.append(
                f"EXISTS (SELECT 1 FROM {groups} g WHERE g.group_type = "
                "CAST(r.group_type AS VARCHAR) AND g.group_id = CAST(r.group_id AS VARCHAR))"
            )
        parts.append(
            "SELECT CAST(r.person_id AS BIGINT) AS person_id, CAST(r.group_type AS VARCHAR) AS "
            "group_type, CAST(r.group_id AS VARCHAR) AS group_id FROM raw_groups r "
            f"WHERE {' AND '.join(where)}"
        )
    if parts:
        return prefix + " UNION ".join(parts)
    return (
        "SELECT CAST(person_id AS BIGINT) AS person_id, CAST(NULL AS VARCHAR) AS group_type, "
        "CAST(NULL AS VARCHAR) AS group_id FROM raw_people WHERE 1 = 0"
    )


def _checkins(view: str, where: str = "TRUE") -> str:
    return (
        "SELECT CAST(person_id AS BIGINT) AS person_id, CAST(place_id AS BIGINT) AS place_id, "
        f"{_micros('t_in')} AS t_in, {_micros('t_out')} AS t_out FROM {view} WHERE {where}"
    )


def index_visits(engine: QueryEngine, checkins: Source) -> None:
    """``index_visits``: the index cases' check-ins within the windows' span (one pass)."""
    cases = "person_id IN (SELECT index_id FROM idx)"
    found = span_checkins(engine, checkins, "case_checkins", cases)
    engine.table(
        "index_visits", _checkins("case_checkins") if found else _checkins("raw_checkins", "1 = 0")
    )


def _quarantine_view(engine: QueryEngine, loaded: dict[str, Columns]) -> None:
    if "quarantine" in loaded:
        engine.view(
            "quarantined",
            f"""SELECT CAST(person_id AS BIGINT) AS person_id,
                   MIN({_micros("start_time")}) AS start_time
            FROM raw_quarantine GROUP BY CAST(person_id AS BIGINT)""",
        )
    else:
        engine.view(
            "quarantined",
            "SELECT index_id AS person_id, win_end AS start_time FROM idx WHERE 1 = 0",
        )


def _close_rows(
    engine: QueryEngine, loaded: dict[str, Columns], rules: Contacts, checkins: Source
) -> bool:
    """``close_rows``; True when venue rows were built (``venue_rows``)."""
    close_types = [s.value for s in rules.rules if s != Setting.VENUE]
    engine.table(
        "index_groups", _memberships(loaded, close_types, persons="SELECT index_id FROM idx")
    )
    engine.view("close_members", _memberships(loaded, close_types, groups="index_groups"))
    statements = [
        """SELECT i.index_id, m2.person_id AS contact_id, 'close' AS kind,
               CAST(NULL AS BIGINT) AS via_id, m1.group_type AS setting,
               CAST(NULL AS BIGINT) AS place_id, i.win_start AS exposure_start,
               i.win_end AS exposure_end, CAST(NULL AS DOUBLE) AS overlap_minutes,
               m1.group_id AS group_id, i.win_rule AS win_rule
        FROM idx i
        JOIN index_groups m1 ON m1.person_id = i.index_id
        JOIN close_members m2 ON m2.group_type = m1.group_type AND m2.group_id = m1.group_id
        WHERE m2.person_id <> i.index_id"""
    ]
    venue = False
    if Setting.VENUE in rules.rules:
        # two passes over the check-ins: the places the cases visited (two columns only), then
        # every visit at those places within the windows' span, the cases' own among them
        engine.table(
            "index_places",
            "SELECT DISTINCT CAST(place_id AS BIGINT) AS place_id FROM raw_checkins "
            "WHERE person_id IN (SELECT index_id FROM idx)",
        )
        places = "place_id IN (SELECT place_id FROM index_places)"
        if span_checkins(engine, checkins, "venue_checkins", places):
            _exposures(engine)
            venue_rows(engine, loaded, rules)
            statements.append("SELECT * FROM venue_rows WHERE kind = 'close'")
            venue = True
    engine.table("close_rows", " UNION ALL ".join(statements))
    return venue


def _exposures(engine: QueryEngine) -> None:
    """Every visit at the cases' places in the span (``venue_visits``) and the cases' own
    among them inside their windows (``exposed``)."""
    engine.table("venue_visits", _checkins("venue_checkins"))
    cases = "person_id IN (SELECT index_id FROM idx)"
    engine.table("index_visits", f"SELECT * FROM venue_visits WHERE {cases}")
    engine.table(
        "exposed",
        """SELECT i.index_id, i.win_rule, k.place_id,
               GREATEST(k.t_in, i.win_start) AS s, LEAST(k.t_out, i.win_end) AS e
        FROM idx i JOIN index_visits k ON k.person_id = i.index_id
         AND k.t_out > i.win_start AND k.t_in < i.win_end""",
    )


def _secondary_rows(engine: QueryEngine, loaded: dict[str, Columns], rules: Contacts) -> None:
    secondary = rules.secondary
    if not (secondary.enabled and secondary.settings):
        engine.view("secondary_rows", "SELECT * FROM close_rows WHERE 1 = 0")
        return
    delay = round(secondary.tracing_delay_hours * US_PER_HOUR)
    types = [s.value for s in secondary.settings]
    engine.table(
        "contact_groups",
        _memberships(loaded, types, persons="SELECT contact_id FROM close_rows"),
    )
    engine.view("secondary_members", _memberships(loaded, types, groups="contact_groups"))
    engine.view(  # used once, by the result: computed there, never stored
        "secondary_rows",
        f"""SELECT f.index_id, m2.person_id AS contact_id, 'secondary' AS kind,
               f.contact_id AS via_id, m1.group_type AS setting,
               CAST(NULL AS BIGINT) AS place_id, f.first_exposure AS exposure_start,
               COALESCE(q.start_time, i.win_end + {delay}) AS exposure_end,
               CAST(NULL AS DOUBLE) AS overlap_minutes, m1.group_id AS group_id,
               i.win_rule AS win_rule
        FROM (SELECT index_id, contact_id, MIN(exposure_start) AS first_exposure
              FROM close_rows GROUP BY index_id, contact_id) f
        JOIN idx i ON i.index_id = f.index_id
        LEFT JOIN quarantined q ON q.person_id = f.contact_id
        JOIN contact_groups m1 ON m1.person_id = f.contact_id
        JOIN secondary_members m2 ON m2.group_type = m1.group_type AND m2.group_id = m1.group_id
        LEFT JOIN (SELECT DISTINCT index_id, contact_id FROM close_rows) c
          ON c.index_id = f.index_id AND c.contact_id = m2.person_id
        WHERE m2.person_id <> f.contact_id AND m2.person_id <> f.index_id
          AND c.index_id IS NULL""",
    )


def contact_rows(engine: QueryEngine, files: TraceInputs, rules: Contacts) -> pa.Table:
    """Close and secondary contact rows (``ROW_SCHEMA``, times in microseconds), each with the
    rule that opened its case's window (``win_rule``), in no particular order."""
    loaded = load_inputs(engine, files)
    if files.places is not None:
        check_places(engine, loaded, str(files.places))
    index_views(engine, loaded, rules)
    _quarantine_view(engine, loaded)
    venue = _close_rows(engine, loaded, rules, files.checkins)
    _secondary_rows(engine, loaded, rules)
    listed = ", ".join([*ROW_SCHEMA.names, "win_rule"])
    parts = ["close_rows", "secondary_rows"]
    if venue:
        parts.append(f"({COMPANION_ROWS}) companions")
    raw = engine.fetch(" UNION ALL ".join(f"SELECT {listed} FROM {p}" for p in parts))
    return pa.table(
        [raw[f.name].cast(f.type) for f in ROW_SCHEMA] + [raw["win_rule"]],
        ROW_SCHEMA.append(pa.field("win_rule", pa.string())),
    )


__all__ = [
    "GROUP_COLUMNS",
    "INPUTS",
    "REPEATED_TESTING",
    "ROW_SCHEMA",
    "TraceInputs",
    "contact_rows",
    "index_views",
    "index_visits",
    "load_inputs",
    "span_checkins",
]
