"""Co-presence at the cases' places, classified by the shared rule (``rules/companions.py``):
close contact, spatiotemporal companion (时空伴随者) or nothing, as SQL the DuckDB and Spark
engines both run.

Every visit at the cases' places within the windows' span (``venue_visits``) is paired with
the cases' exposures there (``exposed``); a pair's overlap is classified by the venue's type
(from the optional places input: ``place_id`` and ``type`` or ``place_type``; without it every
venue takes the rule's default, so duration alone decides) into ``venue_rows`` with its
``kind``. Rows whose contact is a close contact of the same case in any setting are not
companions.
"""

from __future__ import annotations

import math

from shoutu.domain.vocabulary import PlaceType, Setting
from shoutu.errors import InputError
from shoutu.io.engines import Columns, QueryEngine
from shoutu.protocols.schema import Contacts
from shoutu.rules.companions import thresholds

US_PER_MINUTE = 60_000_000
OVERLAP = "LEAST(c.t_out, v.e) - GREATEST(c.t_in, v.s)"


def _at_least(minutes: float) -> str:
    return "FALSE" if math.isinf(minutes) else f"{OVERLAP} >= {round(US_PER_MINUTE * minutes)}"


def kind_sql(contacts: Contacts, place_type: str | None) -> str:
    """The kind of a pair (``'close'``, ``'companion'`` or NULL) by the rule's thresholds, for
    a venue of type ``place_type`` (an SQL expression; None: types unknown)."""
    table = thresholds(contacts)
    default = table[None]

    def test(index: int) -> str:
        if place_type is None or len(table) == 1:
            return _at_least(default[index])
        cases = " ".join(
            f"WHEN '{t.value}' THEN {_at_least(v[index])}"
            for t, v in table.items()
            if t is not None
        )
        return f"(CASE {place_type} {cases} ELSE {_at_least(default[index])} END)"

    return (
        f"CASE WHEN {OVERLAP} <= 0 THEN NULL WHEN {test(0)} THEN 'close' "
        f"WHEN {test(1)} THEN 'companion' ELSE NULL END"
    )


def _type_column(loaded: dict[str, Columns]) -> str | None:
    places = loaded.get("places")
    if places is None:
        return None
    return next(c for c in ("type", "place_type") if c in places)


def check_places(engine: QueryEngine, loaded: dict[str, Columns], name: str) -> None:
    """Every place type in the places input is one of ``PlaceType``'s (an input error names
    the first unknown one)."""
    column = _type_column(loaded)
    if column is None:
        return
    known = ", ".join(f"'{t.value}'" for t in PlaceType)
    bad = engine.fetch(
        f"SELECT CAST({column} AS VARCHAR) AS t, MIN(CAST(place_id AS BIGINT)) AS p "
        f"FROM raw_places WHERE {column} IS NOT NULL AND CAST({column} AS VARCHAR) "
        f"NOT IN ({known}) GROUP BY CAST({column} AS VARCHAR) ORDER BY t LIMIT 1"
    )
    if bad.num_rows:
        value, place = bad["t"][0].as_py(), bad["p"][0].as_py()
        raise InputError.single(
            name,
            f"unknown place type {value!r} (place {place}); known: {known.replace(chr(39), '')}",
            field_name=column,
            parameter="places",
        )


def venue_rows(engine: QueryEngine, loaded: dict[str, Columns], contacts: Contacts) -> None:
    """``venue_rows``: each case's co-present visitors with the kind of the pair (close or
    companion; pairs that are neither are left out), from ``venue_visits`` and ``exposed``."""
    column = _type_column(loaded)
    join, place_type = "", None
    if column is not None:
        join = (
            "LEFT JOIN (SELECT CAST(place_id AS BIGINT) AS place_id, "
            f"MIN(CAST({column} AS VARCHAR)) AS place_type FROM raw_places "
            "GROUP BY CAST(place_id AS BIGINT)) p ON p.place_id = v.place_id"
        )
        place_type = "p.place_type"
    engine.table(
        "venue_rows",
        f"""SELECT * FROM (
            SELECT v.index_id, c.person_id AS contact_id, {kind_sql(contacts, place_type)} AS kind,
                   CAST(NULL AS BIGINT) AS via_id, '{Setting.VENUE.value}' AS setting,
                   c.place_id AS place_id, GREATEST(c.t_in, v.s) AS exposure_start,
                   LEAST(c.t_out, v.e) AS exposure_end,
                   CAST({OVERLAP} AS DOUBLE) / {US_PER_MINUTE}.0 AS overlap_minutes,
                   CAST(NULL AS VARCHAR) AS group_id, v.win_rule AS win_rule
            FROM exposed v
            JOIN venue_visits c ON c.place_id = v.place_id AND c.t_in < v.e AND c.t_out > v.s
            {join}
            WHERE c.person_id <> v.index_id) r
        WHERE kind IS NOT NULL""",
    )


COMPANION_ROWS = """SELECT r.* FROM venue_rows r
    LEFT JOIN (SELECT DISTINCT index_id, contact_id FROM close_rows) c
      ON c.index_id = r.index_id AND c.contact_id = r.contact_id
    WHERE r.kind = 'companion' AND c.index_id IS NULL"""

__all__ = ["COMPANION_ROWS", "check_places", "kind_sql", "venue_rows"]
