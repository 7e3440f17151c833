"""Loading a simulator run (trust issue, item 3): every file is checked before anything is
loaded, every problem names its file, and a bad file loads nothing (not half a run)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from cities import SMALL_CITY
from conftest import City
from shoutu.errors import InputError
from shoutu.services.context import ServiceContext
from shoutu.services.simulation.importer import import_run
from shoutu.store.tables import Person, Place, Region, table


def _copy(city: City, tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(city(**SMALL_CITY), run)
    return run


def _count(ctx: ServiceContext, model: type) -> int:
    with ctx.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table(model))).scalar_one())


def test_a_bad_file_loads_nothing_and_is_named(
    ctx: ServiceContext, city: City, tmp_path: Path
) -> None:
    run = _copy(city, tmp_path)
    damaged = run / "cases.parquet"
    damaged.write_bytes(damaged.read_bytes()[:200])  # cut short, as by a kill
    quarantine = pq.read_table(run / "quarantine.parquet").drop_columns(["kind"])
    pq.write_table(quarantine, run / "quarantine.parquet")
    with pytest.raises(InputError) as refused:
        import_run(ctx, run)
    lines = refused.value.report.lines()
    assert lines[0].startswith(f"{damaged}: not a readable Parquet file")
    assert lines[1] == f"{run / 'quarantine.parquet'}, field kind: required column is missing"
    for model in (Region, Place, Person):
        assert _count(ctx, model) == 0  # regions, places and people were not loaded either
    assert not (ctx.settings.event_dir / "checkins").exists()


def test_a_bad_row_late_in_the_run_rolls_back_the_whole_run(
    ctx: ServiceContext, city: City, tmp_path: Path
) -> None:
    run = _copy(city, tmp_path)
    cases = pq.read_table(run / "cases.parquet")
    assert cases.num_rows > 0
    channel = cases.schema.get_field_index("channel")
    broken = cases.set_column(channel, "channel", pa.array(["teleportation"] * cases.num_rows))
    pq.write_table(broken, run / "cases.parquet")
    with pytest.raises(InputError) as refused:
        import_run(ctx, run)
    assert "field channel" in refused.value.report.lines()[0]
    assert str(run / "cases.parquet") in refused.value.report.lines()[0]
    assert _count(ctx, Region) == _count(ctx, Person) == 0


def test_a_summary_without_what_a_load_needs_is_named_field_by_field(
    ctx: ServiceContext, city: City, tmp_path: Path
) -> None:
    run = _copy(city, tmp_path)
    path = run / "summary.json"
    summary = json.loads(path.read_text())
    summary["days"] = "twenty"
    del summary["provenance"]["parameters"]["timezone"]
    path.write_text(json.dumps(summary))
    with pytest.raises(InputError) as refused:
        import_run(ctx, run)
    assert refused.value.report.lines() == [
        f"{path}, field days: is missing or not a whole number of days: 'twenty'",
        f"{path}, field provenance.parameters.timezone: is missing or not a time zone: None",
    ]
    path.write_text("[1, 2]")
    with pytest.raises(InputError) as refused:
        import_run(ctx, run)
    assert refused.value.report.lines() == [f"{path}: is not a JSON object"]
    assert _count(ctx, Region) == 0
