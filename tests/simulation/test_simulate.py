"""`shoutu simulate`: files and columns, byte-identical reruns, loading into the registry."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.domain.identifiers import validate_resident_id
from shoutu.io.provenance import read_provenance
from shoutu.services.context import ServiceContext
from shoutu.services.registry import people as registry
from shoutu.services.simulation.importer import import_simulation

runner = CliRunner()
FILES = [
    "people",
    "places",
    "groups",
    "checkins",
    "regions",
    "truth_infections",
    "daily",
    "cases",
    "tests",
    "quarantine",
    "contacts",
    "visits",
    "sales",
]


def _simulate(out: Path, *extra: str) -> dict[str, object]:
    result = runner.invoke(
        app,
        [
            "simulate",
            "--people",
            "3000",
            "--days",
            "3",
            "--seed",
            "9",
            "--out",
            str(out),
            "--json",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "run"
    _simulate(out)
    return out


def test_files_and_columns(run_dir: Path) -> None:
    layouts = {
        "people": [
            "person_id",
            "age",
            "sex",
            "household_id",
            "building_id",
            "region_code",
            "workplace_id",
            "office_id",
            "school_class_id",
            "key_population",
        ],
        "places": ["place_id", "type", "region_code", "lat", "lon"],
        "checkins": ["person_id", "place_id", "t_in", "t_out"],
        "groups": ["person_id", "group_type", "group_id"],
        "truth_infections": [
            "infectee_id",
            "infector_id",
            "setting",
            "place_id",
            "infection_time",
            "traceable",
        ],
        "daily": ["date", "region_code", "new_infections"],
    }
    for name, columns in layouts.items():
        schema = pq.read_schema(run_dir / f"{name}.parquet")
        assert schema.names[: len(columns)] == columns, name
    checkins = pq.read_table(run_dir / "checkins.parquet")
    assert str(checkins.schema.field("t_in").type) == "timestamp[us, tz=UTC]"
    people = pq.read_table(run_dir / "people.parquet").to_pydict()
    assert people["person_id"][:3] == [1, 2, 3]
    groups = pq.read_table(run_dir / "groups.parquet").to_pydict()
    assert {"household", "school_class", "office", "workplace"} <= set(groups["group_type"])
    record = read_provenance(run_dir / "people.parquet")
    assert record["parameters"]["seed"] == 9 and record["protocol"]["name"] == "cn-9th-2022"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["people"] == 3000 and summary["provenance"] == record


def test_same_seed_gives_byte_identical_files(run_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    _simulate(again)
    for name in [*FILES, "summary"]:
        suffix = ".json" if name == "summary" else ".parquet"
        assert (run_dir / f"{name}{suffix}").read_bytes() == (
            again / f"{name}{suffix}"
        ).read_bytes()


def test_summary_only(tmp_path: Path, run_dir: Path) -> None:
    out = tmp_path / "summary"
    summary = _simulate(out, "--summary-only")
    assert sorted(p.name for p in out.iterdir()) == ["daily.parquet", "summary.json"]
    full = json.loads((run_dir / "summary.json").read_text())
    assert summary["checkins"] == full["checkins"]
    assert summary["infections"] == full["infections"] >= 10


def test_bad_arguments() -> None:
    result = runner.invoke(app, ["simulate", "--people", "10", "--out", "x"])
    assert result.exit_code == 2
    result = runner.invoke(
        app, ["simulate", "--out", "x", "--start-date", "1/3/2022", "--people", "100"]
    )
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr


def test_import_simulation_into_the_registry(ctx: ServiceContext, run_dir: Path) -> None:
    results = import_simulation(ctx, run_dir)
    cases = pq.read_table(run_dir / "cases.parquet").num_rows
    assert ("cases" in [r.entity for r in results]) == (cases > 0)
    assert [r.entity for r in results][:3] == ["regions", "places", "people"]
    assert results[2].inserted == 3000
    again = import_simulation(ctx, run_dir)
    assert all(r.inserted == r.updated == 0 for r in again)
    person = registry.get_person(ctx, 1, reveal=True, purpose="check the loaded identity")
    assert person.synthetic and person.id_number is not None
    assert validate_resident_id(person.id_number) == person.id_number
    people = pq.read_table(run_dir / "people.parquet").to_pylist()
    assert person.home_region_code == people[0]["building_id"]
    assert person.sex == people[0]["sex"]
