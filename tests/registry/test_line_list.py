"""A real line list, Hong Kong CHP's 15,347 cases, loads through an import mapping (TOML: columns,
values, defaults): its cases get new people in the same batch, a second import changes
nothing, and a bad mapping or an unmapped value is refused by key or by row and field with
nothing written."""

from __future__ import annotations

import csv
import datetime as dt
import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from paths import PUBLIC
from shoutu.cli.app import app
from shoutu.domain.vocabulary import CaseClass, CaseStatus, Channel, Origin, Sex
from shoutu.errors import BadRequest, InputError
from shoutu.services.context import ServiceContext
from shoutu.services.registry.cases import list_cases
from shoutu.services.registry.imports.mapping import BUILTIN_DIR
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.registry.situation import situation
from shoutu.store.repositories import audit
from shoutu.store.tables import AuditEvent, Case, Person, table

HK = PUBLIC / "hongkong_case_details.csv"
MAPPING = BUILTIN_DIR / "hk-chp-case-details.toml"


def _source() -> list[dict[str, str]]:
    with HK.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _count(ctx: ServiceContext, model: type) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table(model))).scalar_one())


def _cases(ctx: ServiceContext) -> dict[int, dict[str, object]]:
    with ctx.engine.connect() as conn:
        return {r["case_id"]: dict(r) for r in conn.execute(select(table(Case))).mappings()}


def _people(ctx: ServiceContext) -> dict[int, dict[str, object]]:
    with ctx.engine.connect() as conn:
        return {r["person_id"]: dict(r) for r in conn.execute(select(table(Person))).mappings()}


def _head(tmp_path: Path, rows: int, edit: dict[str, str] | None = None) -> Path:
    """The first ``rows`` of the Hong Kong list (``edit``: text replacements)."""
    lines = HK.read_text(encoding="utf-8-sig").splitlines(keepends=True)[: rows + 1]
    text = "".join(lines)
    for old, new in (edit or {}).items():
        text = text.replace(old, new)
    path = tmp_path / "hk.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_hong_kong_case_list_loads_through_its_mapping(ctx: ServiceContext) -> None:
    source = _source()
    mapping = tomllib.loads(MAPPING.read_text(encoding="utf-8"))
    values = mapping["values"]
    result = import_file(ctx, "cases", HK, mapping="hk-chp-case-details")
    assert (result.rows, result.inserted, result.updated) == (len(source), 15_347, 0)
    assert result.related == {"people_inserted": 15_347, "people_updated": 0}
    assert result.ignored_columns == ["Age", "Name of hospital admitted", "HK/Non-HK resident"]
    assert result.provenance["parameters"]["mapping"] == "hk-chp-case-details"
    cases = _cases(ctx)
    assert len(cases) == len(source) == 15_347
    # a plain recount of the file with the same value mapping
    assert Counter(str(c["origin"]) for c in cases.values()) == Counter(
        values["origin"][r["Classification*"]] for r in source
    )
    assert Counter(str(c["classification"]) for c in cases.values()) == Counter(
        values["classification"][r["Case status*"]] for r in source
    )
    assert Counter(str(c["status"]) for c in cases.values()) == Counter(
        values["status"][r["Hospitalised/Discharged/Deceased"]] for r in source
    )
    onsets = sum(1 for r in source if r["Date of onset"][:1].isdigit())
    assert sum(1 for c in cases.values() if c["onset_time"] is not None) == onsets
    # one new person per case, with the sex the list gives
    people = _people(ctx)
    assert len(people) == 15_347 == len({c["person_id"] for c in cases.values()})
    sexes = Counter(str(people[int(str(c["person_id"]))]["sex"]) for c in cases.values())
    assert sexes == Counter(values["person.sex"][r["Gender"]] for r in source)
    assert all(p["birth_date"] is None and p["name"] is None for p in people.values())
    # case 1 by hand: 1,23/01/2020,21/01/2020,M,39,,Discharged,Non-HK resident,Imported case,
    # Confirmed — dates are Hong Kong's local midnights
    hkt = dt.timezone(dt.timedelta(hours=8))
    first = cases[1]
    assert first["report_time"] == dt.datetime(2020, 1, 23, tzinfo=hkt)
    assert first["onset_time"] == dt.datetime(2020, 1, 21, tzinfo=hkt)
    assert first["origin"] is Origin.IMPORTED and first["classification"] is CaseClass.CONFIRMED
    assert first["status"] is CaseStatus.RELEASED and first["channel"] is Channel.OTHER
    assert first["found_in_control"] is False and first["protocol"] == "who-2021"
    assert people[int(str(first["person_id"]))]["sex"] is Sex.MALE
    row = next(r for r in source if r["Date of onset"] == "Asymptomatic")
    assert cases[int(row["Case no."])]["onset_time"] is None
    with ctx.engine.connect() as conn:
        events = len(audit.recent(conn, limit=100_000))
    # a second import: unchanged, nobody created, nothing audited
    again = import_file(ctx, "cases", HK, mapping="hk-chp-case-details")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 15_347)
    assert again.related == {"people_inserted": 0, "people_updated": 0}
    assert _count(ctx, Person) == 15_347 and _cases(ctx) == cases
    with ctx.engine.connect() as conn:
        assert len(audit.recent(conn, limit=100_000)) == events
    # the registry's reads see them
    listed = list_cases(ctx, limit=5)
    latest = max(dt.datetime.strptime(r["Report date"], "%d/%m/%Y").date() for r in source)
    assert listed[0]["report_time"] == dt.datetime.combine(latest, dt.time(), hkt)
    day = dt.date(2020, 12, 31)
    summary = situation(ctx, day=day)
    by_then = [
        r for r in source if dt.datetime.strptime(r["Report date"], "%d/%m/%Y").date() <= day
    ]
    assert summary["cases"]["total"] == len(by_then)
    assert summary["cases"]["imported"] == sum(
        1 for r in by_then if r["Classification*"] == "Imported case"
    )


def test_a_stored_case_keeps_its_person_and_a_corrected_sex_updates_them(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    path = _head(tmp_path, 5)
    assert import_file(ctx, "cases", path, mapping="hk-chp-case-details").inserted == 5
    owner = _cases(ctx)[1]["person_id"]
    corrected = _head(tmp_path, 5, {"\n1,23/01/2020,21/01/2020,M,": "\n1,23/01/2020,21/01/2020,F,"})
    result = import_file(ctx, "cases", corrected, mapping="hk-chp-case-details")
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 5)
    assert result.related == {"people_inserted": 0, "people_updated": 1}
    assert _cases(ctx)[1]["person_id"] == owner and _count(ctx, Person) == 5
    assert _people(ctx)[int(str(owner))]["sex"] is Sex.FEMALE
    with ctx.engine.connect() as conn:
        kinds = conn.execute(select(table(AuditEvent).c.action, table(AuditEvent).c.entity))
        assert Counter((str(a), e) for a, e in kinds)[("update", "people")] == 1


def _bad_mapping(tmp_path: Path, replacements: dict[str, str]) -> Path:
    text = MAPPING.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_bad_mapping_names_its_keys_and_writes_nothing(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    path = _head(tmp_path, 5)
    bad = _bad_mapping(
        tmp_path,
        {
            'onset_time = "Date of onset"': 'onset = "Date of onset"',  # no such field
            'report_time = "Report date"': 'report_time = "Report Date"',  # no such column
            '"Confirmed" = "confirmed"': '"Confirmed" = "confirmd"',  # no such code
            'protocol = "who-2021"': 'protocol = "who-2021"\nsevere = true',  # no such field
        },
    )
    with pytest.raises(InputError) as refused:
        import_file(ctx, "cases", path, mapping=str(bad))
    problems = {
        (Path(p.file).name, p.field): p.reason.replace(str(tmp_path) + "/", "")
        for p in refused.value.report.problems
    }
    assert problems[("bad.toml", "columns.onset")].startswith("unknown cases field")
    assert problems[("bad.toml", "columns.report_time")] == (
        "hk.csv has no column 'Report Date' (did you mean 'Report date'?)"
    )
    assert (
        "'confirmd' is not a known CaseClass"
        in problems[("bad.toml", 'values.classification."Confirmed"')]
    )
    assert problems[("bad.toml", "defaults.severe")] == "unknown cases field"
    assert ("bad.toml", "values.onset_time") in problems  # a values table for no column
    assert _count(ctx, Case) == 0 and _count(ctx, Person) == 0


def test_a_value_without_a_mapping_is_named_by_row_and_field(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    path = _head(tmp_path, 40, {"\n3,24/01/2020,20/01/2020,F,": "\n3,24/01/2020,20/01/2020,X,"})
    bad = _bad_mapping(tmp_path, {'"Imported case" = "imported"\n': ""})
    with pytest.raises(InputError) as refused:
        import_file(ctx, "cases", path, mapping=str(bad))
    lines = refused.value.report.lines()
    assert lines[0] == (
        f"{path}, row 1 (line 2), field Classification* (origin): 'Imported case' has no "
        f"mapping in [values.origin] of {bad}"
    )
    fields = {p.field for p in refused.value.report.problems}
    assert fields == {"Classification* (origin)", "Gender (person.sex)"}
    (gender,) = [p for p in refused.value.report.problems if p.field == "Gender (person.sex)"]
    assert gender.row == 3 and gender.reason.startswith("'X' has no mapping")
    assert _count(ctx, Case) == 0 and _count(ctx, Person) == 0
    # a value the field's own parser refuses names the file's column too
    odd = _head(tmp_path, 3, {"\n2,23/01/2020,18/01/2020,": "\n2,23/01/2020,Late Jan,"})
    with pytest.raises(InputError) as unreadable:
        import_file(ctx, "cases", odd, mapping="hk-chp-case-details")
    (problem,) = unreadable.value.report.problems
    assert (problem.row, problem.field) == (2, "Date of onset (onset_time)")
    assert _count(ctx, Case) == 0 and _count(ctx, Person) == 0


def test_a_mapping_that_does_not_exist_is_a_bad_request(ctx: ServiceContext) -> None:
    with pytest.raises(BadRequest, match="hk-nosuch"):
        import_file(ctx, "cases", HK, mapping="hk-nosuch")


def test_a_cases_file_without_person_ids_is_a_line_list(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        "case_id,classification,origin,channel,found_in_control,report_time,protocol,"
        "person.sex,person.phone\n"
        "31,confirmed,local,fever_clinic,false,2022-03-19T20:00,cn-9th-2022,female,13800138000\n"
        "32,asymptomatic,imported,port_screening,true,2022-03-20T09:00,cn-9th-2022,male,\n"
    )
    result = import_file(ctx, "cases", path)
    assert result.related["people_inserted"] == 2
    people = _people(ctx)
    phones = [p for p in people.values() if p["phone_hash"] is not None]
    assert len(phones) == 1 and b"13800138000" not in bytes(phones[0]["phone_enc"] or b"")
    with ctx.engine.connect() as conn:
        assert "13800138000" not in repr(audit.recent(conn, entity="people", limit=100))
    # with person_id, person.* columns are refused: that is import people's work
    path.write_text(
        "case_id,person_id,classification,origin,channel,found_in_control,report_time,"
        "protocol,person.sex\n"
        f"33,{min(people)},confirmed,local,other,false,2022-03-21T09:00,cn-9th-2022,male\n"
    )
    with pytest.raises(InputError) as refused:
        import_file(ctx, "cases", path)
    assert "field person.sex: describes the person a line-list case creates" in str(
        refused.value.report.lines()
    )


def test_the_cli_reads_through_a_mapping(cli_env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    path = _head(tmp_path, 20)
    done = runner.invoke(
        app, ["import", "cases", str(path), "--mapping", "hk-chp-case-details", "--json"]
    )
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)["result"]
    assert (result["inserted"], result["people_inserted"]) == (20, 20)
    human = runner.invoke(app, ["import", "cases", str(path), "--mapping", "hk-chp-case-details"])
    assert human.exit_code == 0 and "20 unchanged" in human.stdout
    bad = _bad_mapping(tmp_path, {'"Deceased" = "died"': '"Deceased" = "dead"'})
    refused = runner.invoke(app, ["import", "cases", str(path), "--mapping", str(bad), "--json"])
    assert refused.exit_code == 1
    body = json.loads(refused.stdout)
    assert body["ok"] is False and body["code"] == "input_error"
    assert body["problems"][0]["field"] == 'values.status."Deceased"'
    assert "Traceback" not in refused.output and refused.stderr.startswith("error:")
    unknown = runner.invoke(app, ["import", "cases", str(path), "--mapping", "nosuch"])
    assert unknown.exit_code == 2 and "--mapping" in unknown.stderr
    listed = json.loads(runner.invoke(app, ["cases", "list", "--json"]).stdout)["cases"]
    assert len(listed) == 20


def test_a_mapping_serves_other_kinds_too(ctx: ServiceContext, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("No.,Full name,Gender,Born\n7,Li Lei,M,03/07/1990\n8,Han Meimei,F,\n")
    mapping = tmp_path / "people.toml"
    mapping.write_text(
        'source = "a hand-made roster"\nkind = "people"\ndate_format = "%d/%m/%Y"\n'
        '[columns]\nperson_id = "No."\nname = "Full name"\nsex = "Gender"\n'
        'birth_date = "Born"\n[values.sex]\nM = "male"\nF = "female"\n'
    )
    result = import_file(ctx, "people", people, mapping=str(mapping))
    assert (result.inserted, result.ignored_columns) == (2, [])
    stored = _people(ctx)
    assert stored[7]["birth_date"] == dt.date(1990, 7, 3) and stored[8]["sex"] is Sex.FEMALE
    with pytest.raises(InputError) as refused:
        import_file(ctx, "people", HK, mapping="hk-chp-case-details")
    (kind,) = [p for p in refused.value.report.problems if p.field == "kind"]
    assert kind.file == "hk-chp-case-details" and "for cases, not people" in kind.reason
