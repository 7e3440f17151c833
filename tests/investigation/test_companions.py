"""Spatiotemporal companions (时空伴随者, control issue): a city variant classifies venue
co-presence by venue type and duration as close contact or companion; the built-in editions
keep their classification; the simulator and the trace share the rule; a companion's episode is
health monitoring with its own test days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cities import SMALL_CITY
from conftest import City
from shoutu.domain.vocabulary import ContactKind, ControlKind, PlaceType
from shoutu.errors import InputError, ProtocolError
from shoutu.protocols.loader import ProtocolRegistry
from shoutu.rules.companions import CLOSE, COMPANION, NONE, PLACE_TYPES, classify
from shoutu.services.investigation.tracing import TraceInputs, trace_tables
from shoutu.services.investigation.venue_query import kind_sql

UTC = dt.UTC
VARIANT = "cn-9th-2022-city-companions"
PROTOCOLS = ProtocolRegistry(None)


def _type(t: PlaceType | None) -> int:
    return -1 if t is None else PLACE_TYPES.index(t)


def test_the_rule_by_venue_type_and_duration() -> None:
    variant = PROTOCOLS.load(VARIANT).contacts
    builtin = PROTOCOLS.load("cn-9th-2022").contacts
    cases = [  # (type, minutes, variant's kind)
        (PlaceType.AIRPORT, 120.0, COMPANION),  # a hub: never close by co-presence alone
        (PlaceType.AIRPORT, 9.0, NONE),
        (PlaceType.RESTAURANT, 20.0, CLOSE),  # enclosed: close from 15 minutes
        (PlaceType.RESTAURANT, 12.0, COMPANION),
        (PlaceType.RESTAURANT, 5.0, NONE),
        (None, 15.0, CLOSE),  # type unknown: the default class
        (PlaceType.MALL, 0.0, NONE),  # no overlap, nothing
    ]
    types = np.array([_type(t) for t, _, _ in cases])
    minutes = np.array([m for _, m, _ in cases])
    assert classify(variant, types, minutes).tolist() == [k for _, _, k in cases]
    # the edition itself: any overlap at a venue is a close contact, whatever the venue
    assert classify(builtin, types, minutes).tolist() == [CLOSE] * 6 + [NONE]
    who = PROTOCOLS.load("who-2021").contacts
    assert classify(who, types, minutes).tolist()[2:4] == [CLOSE, NONE]  # 15 minutes


@given(
    st.lists(
        st.tuples(st.integers(-1, len(PLACE_TYPES) - 1), st.integers(-5, 200)),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([VARIANT, "cn-9th-2022", "who-2021"]),
)
def test_the_query_classifies_as_the_rule(pairs: list[tuple[int, int]], name: str) -> None:
    """The SQL the engines run gives the rule's kind for every type and overlap."""
    contacts = PROTOCOLS.load(name).contacts
    types = [None if t < 0 else PLACE_TYPES[t].value for t, _ in pairs]
    us = [m * 60_000_000 for _, m in pairs]
    con = duckdb.connect()
    con.register("p0", pa.table({"i": range(len(pairs)), "place_type": types, "d": us}))
    sql = kind_sql(contacts, "p.place_type")
    got = con.execute(
        f"SELECT {sql} AS kind FROM (SELECT i, place_type, d FROM p0) p, "
        "LATERAL (SELECT 0 AS t_in, p.d AS t_out) c, LATERAL (SELECT 0 AS s, "
        "1000000000000 AS e) v ORDER BY p.i"
    ).fetchall()
    expected = classify(contacts, np.array([t for t, _ in pairs]), np.array([m for _, m in pairs]))
    names = {NONE: None, CLOSE: "close", COMPANION: "companion"}
    assert [k for (k,) in got] == [names[int(k)] for k in expected]


def _files(tmp_path: Path, places: bool = True) -> TraceInputs:
    """Case 1 at an airport (place 10) with 2 for an hour, at a restaurant (place 11) with 3
    for 20 minutes, 4 for 12 and 5 for 5; 3's household has 6, 2's has 7."""
    onset = dt.datetime(2022, 4, 5, 2, 0, tzinfo=UTC)
    pq.write_table(
        pa.table(
            {
                "person_id": pa.array([1], pa.int64()),
                "onset_time": pa.array([onset], pa.timestamp("us", tz="UTC")),
                "isolation_time": pa.array(
                    [onset + dt.timedelta(days=1)], pa.timestamp("us", tz="UTC")
                ),
            }
        ),
        tmp_path / "cases.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "person_id": [1, 2, 3, 4, 5, 6, 7],
                "household_id": ["H1", "H2", "H3", "H4", "H5", "H3", "H2"],
            }
        ),
        tmp_path / "people.parquet",
    )
    t = onset - dt.timedelta(days=1)

    def at(minutes: int) -> dt.datetime:
        return t + dt.timedelta(minutes=minutes)

    visits = [  # person, place, in, out (minutes after t)
        (1, 10, 0, 60),
        (2, 10, 0, 60),
        (1, 11, 100, 160),
        (3, 11, 100, 120),
        (4, 11, 148, 200),
        (5, 11, 155, 170),
    ]
    pq.write_table(
        pa.table(
            {
                "person_id": [v[0] for v in visits],
                "place_id": [v[1] for v in visits],
                "t_in": pa.array([at(v[2]) for v in visits], pa.timestamp("us", tz="UTC")),
                "t_out": pa.array([at(v[3]) for v in visits], pa.timestamp("us", tz="UTC")),
            }
        ),
        tmp_path / "checkins.parquet",
    )
    pq.write_table(
        pa.table({"place_id": [10, 11], "type": ["airport", "restaurant"]}),
        tmp_path / "places.parquet",
    )
    return TraceInputs(
        tmp_path / "checkins.parquet",
        tmp_path / "cases.parquet",
        tmp_path / "people.parquet",
        places=tmp_path / "places.parquet" if places else None,
    )


def _kinds(rows: pa.Table) -> set[tuple[int, str]]:
    return {(r["contact_id"], r["kind"]) for r in rows.to_pylist()}


def test_trace_classifies_by_venue_type(tmp_path: Path) -> None:
    zone = "Asia/Shanghai"
    variant, builtin = PROTOCOLS.load(VARIANT), PROTOCOLS.load("cn-9th-2022")
    rows = trace_tables(_files(tmp_path), variant, zone)
    # the airport hour makes a companion, 20 minutes at the restaurant a close contact whose
    # household is secondary, 12 minutes a companion, 5 minutes nothing; companions have no
    # secondary contacts
    assert _kinds(rows) == {(2, "companion"), (3, "close"), (4, "companion"), (6, "secondary")}
    companion = next(r for r in rows.to_pylist() if r["contact_id"] == 2)
    assert companion["rule"].startswith("companion: place 10")
    assert companion["overlap_minutes"] == 60.0
    # without venue types, duration alone decides: the airport hour is a close contact
    untyped = trace_tables(_files(tmp_path, places=False), variant, zone)
    assert _kinds(untyped) == {
        (2, "close"),
        (3, "close"),
        (4, "companion"),
        (6, "secondary"),
        (7, "secondary"),
    }
    # the edition keeps its own classification: every overlap a close contact
    assert _kinds(trace_tables(_files(tmp_path), builtin, zone)) == {
        (2, "close"),
        (3, "close"),
        (4, "close"),
        (5, "close"),
        (6, "secondary"),
        (7, "secondary"),
    }


def test_an_unknown_place_type_is_named(tmp_path: Path) -> None:
    files = _files(tmp_path)
    pq.write_table(
        pa.table({"place_id": [10, 11], "type": ["airport", "resturant"]}),
        tmp_path / "places.parquet",
    )
    with pytest.raises(InputError) as bad:
        trace_tables(files, PROTOCOLS.load(VARIANT), "Asia/Shanghai")
    assert bad.value.report.lines()[0].startswith(
        f"{tmp_path / 'places.parquet'}, field type: unknown place type 'resturant' (place 11)"
    )


def test_a_variant_with_companions_needs_their_measure(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        'name = "bad"\nextends = "cn-9th-2022"\n'
        "[contacts.companions.default]\nclose_minutes = 15\ncompanion_minutes = 10\n"
    )
    with pytest.raises(ProtocolError, match=r"needs quarantine\.companion"):
        ProtocolRegistry(tmp_path).load("bad")
    (tmp_path / "bad.toml").write_text(
        'name = "bad"\nextends = "cn-9th-2022-city-companions"\n'
        "[contacts.companions.default]\nclose_minutes = 5\ncompanion_minutes = 10\n"
    )
    with pytest.raises(ProtocolError, match="must not exceed close_minutes"):
        ProtocolRegistry(tmp_path).load("bad")


def test_the_simulator_traces_companions_and_monitors_them(city: City) -> None:
    """Under the variant the simulator finds companions at venues (never also close contacts of
    the same tracing), monitors them without quarantine and samples them on their test days;
    under the edition it finds none."""
    out = city(**SMALL_CITY, protocol=VARIANT)
    wanted = ["kind", "setting", "index_case_id", "person_id", "episode_id"]  # no times: fast
    contacts = pq.read_table(out / "contacts.parquet", columns=wanted).to_pylist()
    companions = [c for c in contacts if c["kind"] == ContactKind.COMPANION.value]
    assert companions and all(c["setting"] == "venue" for c in companions)
    close = {(c["index_case_id"], c["person_id"]) for c in contacts if c["kind"] == "close"}
    assert not close & {(c["index_case_id"], c["person_id"]) for c in companions}
    table = pq.read_table(out / "quarantine.parquet")
    table = table.filter(pc.equal(table["reason"], "companion"))
    opened = table.to_pylist()
    ids = {c["episode_id"] for c in companions}
    assert opened and {e["episode_id"] for e in opened} <= ids
    for e in opened:
        assert e["kind"] == ControlKind.HEALTH_MONITORING.value
        assert e["end_time"] == e["start_time"]  # no quarantine at all
        assert [s["kind"] for s in e["stages"]] == [ControlKind.HEALTH_MONITORING.value]
        assert len(e["test_days"]) == 2
        assert (e["test_days"][1] - e["test_days"][0]).days == 2  # days 1 and 3
    plain = city(**SMALL_CITY)
    kinds = set(pq.read_table(plain / "contacts.parquet", columns=["kind"])["kind"].to_pylist())
    assert ContactKind.COMPANION.value not in kinds
