"""The contacts the simulator traced (contacts.parquet) and its episodes' stages and due test
days (quarantine.parquet), each recounted from the run's other files; `import simulation`
loading them (issue 14, "Control")."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from cities import CDC_CITY, CN8_CITY, LATE_TRACING_CITY, SMALL_CITY
from conftest import City
from shoutu.domain.timeutil import local_date, zone
from shoutu.domain.vocabulary import ContactKind, Setting
from shoutu.errors import InputError
from shoutu.protocols.loader import ProtocolRegistry
from shoutu.protocols.schema import Quarantine
from shoutu.services.context import ServiceContext
from shoutu.services.control.episodes import plan
from shoutu.services.simulation.importer import import_simulation
from shoutu.store.tables import Contact, ControlMeasure, Person, Task, table

CITIES = {"small": SMALL_CITY, "late": LATE_TRACING_CITY}
NOON = dt.timedelta(hours=12)
EDITIONS = {"cn-9th": SMALL_CITY, "late": LATE_TRACING_CITY, "cn-8th": CN8_CITY, "cdc": CDC_CITY}


def _rows(out: Path, name: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """A run file's rows, times aware (UTC). Arrow converts aware times one by one through the
    time zone machinery; the files' naive UTC values are converted many times faster."""
    data = pq.read_table(out / f"{name}.parquet", columns=columns)
    data = data.cast(pa.schema([(f.name, _naive(f.type)) for f in data.schema]))
    return [{k: _utc(v) for k, v in row.items()} for row in data.to_pylist()]


def _naive(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(kind):
        return pa.timestamp(kind.unit)
    if pa.types.is_list(kind):
        return pa.list_(_naive(kind.value_type))
    if pa.types.is_struct(kind):
        return pa.struct([(f.name, _naive(f.type)) for f in kind])
    return kind


def _utc(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC)
    if isinstance(value, list):
        return [_utc(v) for v in value]
    if isinstance(value, dict):
        return {k: _utc(v) for k, v in value.items()}
    return value


def _run(out: Path) -> tuple[str, str]:
    """(protocol, time zone) the run used."""
    provenance = json.loads((out / "summary.json").read_text())["provenance"]
    return provenance["protocol"]["name"], provenance["parameters"]["timezone"]


def _rules(out: Path, reason: str) -> Quarantine:
    rules = ProtocolRegistry(None).load(_run(out)[0]).quarantine
    chosen = rules.close_contact if reason == "close contact" else rules.secondary_contact
    assert chosen is not None
    return chosen


@pytest.mark.parametrize("name", CITIES)
def test_every_contact_names_a_case_and_a_person_of_the_run(city: City, name: str) -> None:
    out = city(**CITIES[name])
    contacts = _rows(out, "contacts")
    cases = {c["case_id"]: c for c in _rows(out, "cases")}
    report_of_person = {c["person_id"]: c["report_time"] for c in cases.values()}
    people = pq.read_table(out / "people.parquet", columns=["person_id"])["person_id"]
    places = set(pq.read_table(out / "places.parquet")["place_id"].to_pylist())
    assert len(contacts) > 1000
    assert [c["contact_id"] for c in contacts] == list(range(1, len(contacts) + 1))
    assert {c["kind"] for c in contacts} == {ContactKind.CLOSE.value, ContactKind.SECONDARY.value}
    assert {"household", "office", "venue"} <= {c["setting"] for c in contacts}
    assert {c["setting"] for c in contacts} <= {s.value for s in Setting}
    close = {(c["index_case_id"], c["person_id"], c["identified_time"]) for c in contacts}
    keys = set()
    for c in contacts:
        assert c["index_case_id"] in cases and 1 <= c["person_id"] <= len(people)
        keys.add((c["index_case_id"], c["person_id"], c["kind"]))
        # traced after its case's report, and not a reported case itself by then
        assert c["identified_time"] >= cases[c["index_case_id"]]["report_time"]
        reported = report_of_person.get(c["person_id"])
        assert reported is None or reported > c["identified_time"]
        assert (c["setting"] == "venue") == (c["place_id"] is not None)
        assert c["place_id"] is None or c["place_id"] in places
        if c["kind"] == "secondary":  # through a close contact of the same case, found then
            assert (c["index_case_id"], c["via_person_id"], c["identified_time"]) in close
            assert c["last_exposure_time"] == c["identified_time"]
        else:
            assert c["via_person_id"] is None
    assert len(keys) == len(contacts)  # (index case, person, kind) names one contact


def _holding(episodes: list[dict[str, Any]], person: int, at: dt.datetime) -> list[int]:
    """The quarantine episodes (not isolation) of a person in force at ``at``: started by
    then, their planned days (health monitoring included) not over."""
    return [
        e["episode_id"]
        for e in episodes
        if e["person_id"] == person
        and e["kind"] != "isolation"
        and e["start_time"] <= at < e["planned_end_time"]
    ]


@pytest.mark.parametrize("name", CITIES)
def test_uncontrolled_contacts_are_those_no_episode_holds(city: City, name: str) -> None:
    """A plain recount from quarantine.parquet: a contact is uncontrolled exactly when no
    episode of the person is in force at its identification; a controlled one names such an
    episode, and every episode opened for a contact names it back."""
    out = city(**CITIES[name])
    contacts = _rows(out, "contacts")
    episodes = _rows(out, "quarantine")
    by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in episodes:
        by_person[e["person_id"]].append(e)
    held = {
        c["contact_id"]: _holding(by_person[c["person_id"]], c["person_id"], c["identified_time"])
        for c in contacts
    }
    uncontrolled = {c["contact_id"] for c in contacts if c["controlled_time"] is None}
    assert uncontrolled == {i for i, found in held.items() if not found}
    if name == "late":  # traced 10 days late: some close contacts' 10 days are over
        assert len(uncontrolled) >= 10
        total = _rules(out, "close contact").total_days
        for c in contacts:
            if c["contact_id"] in uncontrolled:
                assert c["kind"] == "close"
                over = c["last_exposure_time"] + dt.timedelta(days=total)
                assert over <= c["identified_time"]
    else:
        assert not uncontrolled
    opened = {e["contact_id"]: e for e in episodes if e["contact_id"] is not None}
    assert len(opened) == sum(e["reason"] != "case" for e in episodes)
    for c in contacts:
        if c["controlled_time"] is None:
            assert c["episode_id"] is None and c["contact_id"] not in opened
            continue
        assert c["controlled_time"] == c["identified_time"]
        assert c["episode_id"] in held[c["contact_id"]]
        mine = opened.get(c["contact_id"])
        if mine is not None:  # this contact opened its episode: at identification
            assert mine["episode_id"] == c["episode_id"]
            assert mine["start_time"] == c["identified_time"]
            assert mine["reason"] == f"{c['kind']} contact"
            assert mine["case_id"] == c["index_case_id"]
    # some contacts were already under an episode that lasts as long: none opened for them
    assert len(opened) < len(contacts) - len(uncontrolled)


def _as_stored(stages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "kind": s["kind"],
            "start": s["start"].isoformat(),
            "planned_end": s["planned_end"].isoformat(),
            "test_days": [d.isoformat() for d in s["test_days"]],
        }
        for s in stages
    ]


@pytest.mark.parametrize("name", EDITIONS)
def test_stages_and_test_days_are_the_platforms_plan(city: City, name: str) -> None:
    """For a sample of each run's episodes, ``plan()`` of the run's protocol for the same
    anchor and start gives the file's kind, stages, planned end and test days."""
    out = city(**EDITIONS[name])
    _, tz = _run(out)
    episodes = _rows(out, "quarantine")
    contact_episodes = [e for e in episodes if e["reason"] != "case"]
    assert len(contact_episodes) > 100
    sample = contact_episodes[:: max(1, len(contact_episodes) // 150)]
    reasons = {e["reason"] for e in sample}
    assert "close contact" in reasons
    for e in sample:
        planned = plan(_rules(out, e["reason"]), e["anchor_time"], e["start_time"], tz)
        assert _as_stored(e["stages"]) == planned.stages, e
        assert e["test_days"] == planned.test_days
        assert (e["kind"], e["planned_end_time"]) == (planned.kind.value, planned.planned_end)
    for e in episodes:
        if e["reason"] == "case":  # isolation: one stage to the planned release, no test days
            assert e["kind"] == "isolation" and e["test_days"] == []
            assert e["planned_end_time"] == e["end_time"] == e["stages"][0]["planned_end"]


@pytest.mark.parametrize("name", EDITIONS)
def test_the_simulator_samples_on_the_test_days_it_writes(city: City, name: str) -> None:
    """Every quarantine test the simulator took falls on a test day of the person's latest
    episode begun before that day, still planned at noon; and a person never a case whose
    episode was not superseded was sampled on each of its test days from the day after its
    start (the day's tests are taken before that day's tracing) while planned at noon."""
    out = city(**EDITIONS[name])
    _, tz = _run(out)
    episodes = [e for e in _rows(out, "quarantine") if e["reason"] != "case"]
    by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in episodes:
        by_person[e["person_id"]].append(e)  # in start order
    tests = _rows(out, "tests", ["person_id", "sample_time", "purpose"])
    sampled = {
        (t["person_id"], local_date(t["sample_time"], tz))
        for t in tests
        if t["purpose"] == "quarantine_testing"
    }
    assert len(sampled) > 50
    for person, day in sampled:
        midnight = dt.datetime.combine(day, dt.time(), zone(tz))
        latest = [e for e in by_person[person] if e["start_time"] < midnight][-1]
        assert day in latest["test_days"] and midnight + NOON < latest["planned_end_time"]
    cases = {c["person_id"] for c in _rows(out, "cases")}
    summary = json.loads((out / "summary.json").read_text())
    run_end = dt.date.fromisoformat(summary["start_date"]) + dt.timedelta(days=summary["days"])
    checked = 0
    for person, mine in by_person.items():
        if person in cases:
            continue
        for e, after in zip(mine, [*mine[1:], None], strict=True):
            if after is not None and after["start_time"] < e["planned_end_time"]:
                continue  # superseded: the later episode's days count
            for day in (d for d in e["test_days"] if d < run_end):
                midnight = dt.datetime.combine(day, dt.time(), zone(tz))
                if e["start_time"] < midnight and midnight + NOON < e["planned_end_time"]:
                    assert (person, day) in sampled, (e, day)
                    checked += 1
    assert checked > 50


def _table(ctx: ServiceContext, model: type, key: str) -> dict[int, dict[str, Any]]:
    with ctx.connect() as conn:
        return {int(r[key]): dict(r) for r in conn.execute(select(table(model))).mappings()}


def _count(ctx: ServiceContext, model: type) -> int:
    with ctx.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table(model))).scalar_one())


def test_import_simulation_loads_the_contacts_and_the_episodes_stages(
    ctx: ServiceContext, city: City
) -> None:
    """`import simulation`: the contacts table and the episodes' stages, test days, case and
    contact equal the files; nothing else is opened (no isolation, no tasks); again: no
    change."""
    out = city(**LATE_TRACING_CITY)
    _, tz = _run(out)
    results = {r.entity: r for r in import_simulation(ctx, out)}
    contacts, episodes = _rows(out, "contacts"), _rows(out, "quarantine")
    assert results["contacts"].inserted == len(contacts)
    assert results["control_measures"].inserted == len(episodes)
    stored = _table(ctx, Contact, "contact_id")
    assert len(stored) == len(contacts)
    secondary = next(c for c in contacts if c["kind"] == "secondary")
    uncontrolled = next(c for c in contacts if c["controlled_time"] is None)
    for c in (contacts[0], secondary, uncontrolled, contacts[-1]):
        row = stored[c["contact_id"]]
        assert (row["index_case_id"], row["person_id"], row["via_person_id"]) == (
            c["index_case_id"],
            c["person_id"],
            c["via_person_id"],
        )
        assert (str(row["kind"]), str(row["setting"]), row["place_id"]) == (
            c["kind"],
            c["setting"],
            c["place_id"],
        )
        assert row["exposure_end"] == c["last_exposure_time"]
        assert row["last_exposure_date"] == local_date(c["last_exposure_time"], tz)
        assert row["identified_time"] == c["identified_time"] and row["rule"] == "simulation"
    assert stored[secondary["contact_id"]]["setting"] != Setting.VENUE
    measures = _table(ctx, ControlMeasure, "measure_id")
    assert sorted(measures) == [e["episode_id"] for e in episodes]
    for e in episodes:
        m = measures[e["episode_id"]]
        assert (m["person_id"], m["case_id"], m["contact_id"]) == (
            e["person_id"],
            e["case_id"],
            e["contact_id"],
        )
        assert m["planned_end_time"] == e["planned_end_time"]
        assert m["stages"] == _as_stored(e["stages"])
        days = [d for s in m["stages"] for d in s["test_days"]]
        assert days == [d.isoformat() for d in e["test_days"]]
    isolation = [m for m in measures.values() if m["kind"] == "isolation"]
    assert len(isolation) == len(_rows(out, "cases")) == len({m["case_id"] for m in isolation})
    assert isolation[0]["stages"][0]["test_days"] == [] and isolation[0]["site"] is None
    assert not any(m["contact_id"] == uncontrolled["contact_id"] for m in measures.values())
    assert _count(ctx, Task) == 0  # no test tasks, no release tests
    again = import_simulation(ctx, out)
    assert all(r.inserted == r.updated == 0 for r in again), [r.as_json() for r in again]


def test_a_run_from_before_contacts_still_loads(
    ctx: ServiceContext, city: City, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    shutil.copytree(city(**CDC_CITY), run)
    (run / "contacts.parquet").unlink()
    for name, keep in (("quarantine", 5), ("cases", 9)):
        old = pq.read_table(run / f"{name}.parquet")
        pq.write_table(old.select(old.column_names[:keep]), run / f"{name}.parquet")
    results = {r.entity: r for r in import_simulation(ctx, run)}
    assert "contacts" not in results and _count(ctx, Contact) == 0
    episodes = _rows(run, "quarantine")
    assert results["control_measures"].inserted == len(episodes) > 100
    measures = _table(ctx, ControlMeasure, "measure_id")
    first = measures[1]
    assert first["stages"] is None and first["contact_id"] is None
    assert first["planned_end_time"] == episodes[0]["end_time"]


def test_a_bad_contacts_file_loads_nothing_and_is_named(
    ctx: ServiceContext, city: City, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    shutil.copytree(city(**CDC_CITY), run)
    path = run / "contacts.parquet"
    contacts = pq.read_table(path)
    pq.write_table(contacts.drop_columns(["setting"]), path)
    with pytest.raises(InputError) as refused:
        import_simulation(ctx, run)
    assert refused.value.report.lines() == [f"{path}, field setting: required column is missing"]
    index = contacts.schema.get_field_index("index_case_id")
    unknown = pa.array([10_000, *contacts["index_case_id"].to_pylist()[1:]], pa.int64())
    pq.write_table(contacts.set_column(index, "index_case_id", unknown), path)
    with pytest.raises(InputError) as refused:
        import_simulation(ctx, run)
    lines = refused.value.report.lines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}, row 1, field index_case_id")
    assert "unknown case 10000" in lines[0]
    assert _count(ctx, Person) == _count(ctx, Contact) == _count(ctx, ControlMeasure) == 0
