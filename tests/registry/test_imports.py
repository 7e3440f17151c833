"""Registry imports on both backends: all-or-nothing, idempotent, audited, PII encrypted."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from paths import DATA
from shoutu.domain.vocabulary import AuditAction, IdType, KeyPopulation, RegionLevel
from shoutu.errors import InputError
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.people import id_hash
from shoutu.services.registry.imports.specs import import_file
from shoutu.store.repositories import audit
from shoutu.store.tables import Person, Place, Region, table


def load_all(ctx: ServiceContext) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")


def rows(ctx: ServiceContext, model: type) -> list[dict[str, object]]:
    with ctx.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table(model))).mappings()]


def test_import_regions_places_people(ctx: ServiceContext) -> None:
    results = [import_file(ctx, k, DATA / f"{k}.csv") for k in ("regions", "places", "people")]
    assert [(r.rows, r.inserted, r.updated) for r in results] == [(7, 7, 0), (3, 3, 0), (5, 5, 0)]
    regions = {r["code"]: r for r in rows(ctx, Region)}
    assert regions["3101010020010001"]["level"] is RegionLevel.BUILDING
    assert regions["3101010020010001"]["parent_code"] == "310101002001"
    assert regions["310000000000"]["parent_code"] is None
    people = {p["person_id"]: p for p in rows(ctx, Person)}
    assert people[1002]["birth_date"] == dt.date(1981, 2, 4)  # taken from the ID number
    assert people[1002]["id_type"] is IdType.RESIDENT_ID
    assert people[1001]["key_population"] is KeyPopulation.MARKET
    assert people[1004]["id_type"] is IdType.PASSPORT
    assert people[1005]["id_number_enc"] is None and people[1005]["id_number_hash"] is None
    assert all(p["updated_by"] == "tester" for p in people.values())


def test_personal_data_is_encrypted_at_rest(ctx: ServiceContext) -> None:
    load_all(ctx)
    person = next(p for p in rows(ctx, Person) if p["person_id"] == 1001)
    raw = b"".join(bytes(person[c]) for c in ("id_number_enc", "phone_enc"))
    assert b"310101198001010114" not in raw and b"13800138000" not in raw
    assert person["id_number_hash"] == id_hash(
        ctx.keyring, IdType.RESIDENT_ID, "310101198001010114"
    )
    with ctx.engine.connect() as conn:
        events = audit.recent(conn, entity="people", entity_id="1001")
    dumped = repr(events)
    assert "310101198001010114" not in dumped and "13800138000" not in dumped


def test_reimport_changes_nothing(ctx: ServiceContext) -> None:
    load_all(ctx)
    before = {m: rows(ctx, m) for m in (Region, Place, Person)}
    with ctx.engine.connect() as conn:
        events_before = len(audit.recent(conn, limit=10_000))
    again = [import_file(ctx, k, DATA / f"{k}.csv") for k in ("regions", "places", "people")]
    assert [(r.inserted, r.updated, r.unchanged) for r in again] == [
        (0, 0, 7),
        (0, 0, 3),
        (0, 0, 5),
    ]
    after = {m: rows(ctx, m) for m in (Region, Place, Person)}
    assert after == before  # same ciphertexts, same timestamps
    with ctx.engine.connect() as conn:
        assert len(audit.recent(conn, limit=10_000)) == events_before


def test_changed_rows_are_updated_with_before_and_after(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    load_all(ctx)
    changed = tmp_path / "people.csv"
    text = (
        (DATA / "people.csv")
        .read_text()
        .replace(
            "13900139000,female,,3101010020010001,,,,2", "13900139009,female,,3101010020010001,,,,3"
        )
    )
    changed.write_text(text)
    result = import_file(ctx, "people", changed)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 4)
    with ctx.engine.connect() as conn:
        event = audit.recent(conn, entity="people", entity_id="1002", limit=1)[0]
    assert event["action"] is AuditAction.UPDATE
    assert event["before"]["vaccination_doses"] == 2 and event["after"]["vaccination_doses"] == 3
    assert "phone_hash" in event["after"] and "13900139009" not in repr(event)


def test_parquet_input_is_accepted(ctx: ServiceContext, tmp_path: Path) -> None:
    import_file(ctx, "regions", DATA / "regions.csv")
    path = tmp_path / "places.parquet"
    pq.write_table(
        pa.table(
            {
                "place_id": pa.array([7, 8], pa.int64()),
                "name": ["药房", "超市"],
                "type": ["pharmacy", "supermarket"],
                "region_code": ["310101002001", "310101002001"],
                "lat": [31.2, None],
                "lon": [121.4, None],
            }
        ),
        path,
    )
    result = import_file(ctx, "places", path)
    assert (result.rows, result.inserted) == (2, 2)


def test_a_bad_row_imports_nothing(ctx: ServiceContext, tmp_path: Path) -> None:
    import_file(ctx, "regions", DATA / "regions.csv")
    import_file(ctx, "places", DATA / "places.csv")
    bad = tmp_path / "people.csv"
    lines = (DATA / "people.csv").read_text().splitlines()
    lines.append("1006,周六,,,,female,2001-01-01,3101010020010001,99,,,0")  # unknown place
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        import_file(ctx, "people", bad)
    problems = info.value.report.problems
    assert [(p.row, p.line, p.field) for p in problems] == [(6, 7, "workplace_id")]
    assert "unknown place id 99" in problems[0].reason
    assert rows(ctx, Person) == []


def test_region_parents_may_come_in_the_same_file_in_any_order(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    lines = (DATA / "regions.csv").read_text().splitlines()
    shuffled = tmp_path / "regions.csv"
    shuffled.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    assert import_file(ctx, "regions", shuffled).inserted == 7


def test_identifier_already_registered_to_someone_else(ctx: ServiceContext, tmp_path: Path) -> None:
    load_all(ctx)
    other = tmp_path / "people.csv"
    other.write_text("person_id,id_number,sex\n2001,310101198001010114,male\n")
    with pytest.raises(InputError, match="1 problem") as info:
        import_file(ctx, "people", other)
    assert "already registered to person 1001" in info.value.report.problems[0].reason


def test_missing_required_column_and_unknown_file(ctx: ServiceContext, tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text("place_id,name\n1,x\n")
    with pytest.raises(InputError) as info:
        import_file(ctx, "places", path)
    fields = {p.field for p in info.value.report.problems}
    assert fields == {"type", "region_code"}
    with pytest.raises(InputError, match="1 problem") as missing:
        import_file(ctx, "places", tmp_path / "absent.csv")
    assert missing.value.report.problems[0].reason == "file not found"
    odd = tmp_path / "places.xlsx"
    shutil.copy(DATA / "places.csv", odd)
    with pytest.raises(InputError):
        import_file(ctx, "places", odd)


def test_chunks_are_one_batch(ctx: ServiceContext, tmp_path: Path) -> None:
    """A problem in a later chunk rolls back the chunks already written; keys and identifiers
    are unique across chunks."""
    import dataclasses

    from shoutu.io.tables import read_table
    from shoutu.services.registry.imports import batch, people

    import_file(ctx, "regions", DATA / "regions.csv")
    import_file(ctx, "places", DATA / "places.csv")
    small = dataclasses.replace(people.SPEC, chunk_rows=2)
    lines = (DATA / "people.csv").read_text().splitlines()
    late_bad = tmp_path / "late.csv"
    late_bad.write_text("\n".join([*lines, "1006,x,,,,female,2001-02-30,,,,,0"]) + "\n")
    with pytest.raises(InputError) as info:
        batch.import_table(ctx, small, read_table(late_bad))
    assert [(p.row, p.field) for p in info.value.report.problems] == [(6, "birth_date")]
    assert rows(ctx, Person) == []

    repeated = tmp_path / "repeated.csv"
    again = lines[1].replace("1001,", "1009,", 1)  # same ID number, three chunks later
    repeated.write_text("\n".join([*lines, again, lines[3]]) + "\n")
    with pytest.raises(InputError) as info:
        batch.import_table(ctx, small, read_table(repeated))
    reasons = {(p.row, p.field): p.reason for p in info.value.report.problems}
    assert reasons[(6, "id_number")] == "same identifier as row 1"
    assert reasons[(7, "person_id")] == "duplicate key 1003 (first at row 3)"
    assert rows(ctx, Person) == []

    result = batch.import_table(ctx, small, read_table(DATA / "people.csv"))
    assert (result.rows, result.inserted) == (5, 5)


def test_malformed_csv_rows_are_reported_with_the_rest(ctx: ServiceContext, tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text(
        "place_id,name,type,region_code\n"
        "1,a,school,310101002001\n"
        "2,b,school\n"
        "3,c,spaceport,310101002001\n"
    )
    with pytest.raises(InputError) as info:
        import_file(ctx, "places", path)
    problems = [(p.row, p.line, p.field) for p in info.value.report.problems]
    assert problems == [(2, 3, None), (3, 4, "type"), (1, 2, "region_code"), (3, 4, "region_code")]
    assert "has 3 fields, the header has 4" in info.value.report.problems[0].reason
    assert rows(ctx, Place) == []


def test_cases_import_checks_people_and_timeline(ctx: ServiceContext, tmp_path: Path) -> None:
    load_all(ctx)
    path = tmp_path / "cases.csv"
    path.write_text(
        "case_id,person_id,classification,origin,channel,found_in_control,region_code,"
        "infection_time,sample_time,report_time,protocol\n"
        "1,1001,confirmed,local,fever_clinic,false,310101002001,2022-03-01 08:00,"
        "2022-03-04 09:00,2022-03-04 20:00,cn-9th-2022\n"
        "2,9999,asymptomatic,local,mass_screening,true,,,2022-03-05 09:00,"
        "2022-03-05 20:00,cn-9th-2022\n"
        "3,1002,confirmed,imported,port_screening,false,,2022-03-06 08:00,2022-03-05 09:00,"
        "2022-03-05 20:00,cn-9th-2022\n"
    )
    with pytest.raises(InputError) as info:
        import_file(ctx, "cases", path)
    found = {(p.row, p.field): p.reason for p in info.value.report.problems}
    assert found == {
        (2, "person_id"): "unknown person id 9999",
        (3, "sample_time"): "is before infection_time",
    }
    good = tmp_path / "good.csv"
    good.write_text("\n".join(path.read_text().splitlines()[:2]) + "\n")
    assert import_file(ctx, "cases", good).inserted == 1
    assert import_file(ctx, "cases", good).unchanged == 1


def test_control_measures_import_checks_people_and_times(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    from shoutu.store.tables import ControlMeasure

    load_all(ctx)
    path = tmp_path / "measures.csv"
    path.write_text(
        "measure_id,person_id,kind,status,reason,start_time,planned_end_time,protocol\n"
        "1,1001,centralised,active,close contact,2022-03-02 10:00,2022-03-09 10:00,cn-9th-2022\n"
        "2,9999,home,active,secondary contact,2022-03-02 10:00,,cn-9th-2022\n"
        "3,1002,home,active,secondary contact,2022-03-05 10:00,2022-03-01 10:00,cn-9th-2022\n"
        "4,1003,sauna,active,close contact,2022-03-02 10:00,,cn-9th-2022\n"
    )
    with pytest.raises(InputError) as info:
        import_file(ctx, "control_measures", path)
    found = {(p.row, p.field) for p in info.value.report.problems}
    assert found == {(2, "person_id"), (3, "planned_end_time"), (4, "kind")}
    assert rows(ctx, ControlMeasure) == []
