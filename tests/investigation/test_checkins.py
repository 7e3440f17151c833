"""Check-ins in (investigation issue): into the event store sorted by place, a missing t_out
gets the venue type's typical dwell, bad rows are named by row and field with nothing written,
and re-sending changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cities import TINY_CITY
from conftest import City
from paths import DATA
from shoutu.cli.app import app
from shoutu.errors import InputError
from shoutu.events.store import read_events
from shoutu.services.context import ServiceContext
from shoutu.services.investigation.checkins import import_checkins, typical_dwell_minutes
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.simulation.importer import import_simulation


def test_simulator_checkins(
    ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str], city: City
) -> None:
    out = city(**TINY_CITY)
    import_simulation(ctx, out)
    source = pq.read_table(out / "checkins.parquet")
    runner = CliRunner()
    first = runner.invoke(app, ["import", "checkins", str(out / "checkins.parquet"), "--json"])
    assert first.exit_code == 0, first.output
    result = json.loads(first.stdout)["result"]
    assert result["new"] == source.num_rows and result["dwell_filled"] == 0
    stored = read_events(ctx.settings.event_dir, "checkins")
    assert stored.num_rows == source.num_rows
    day = sorted((ctx.settings.event_dir / "checkins").glob("day=*"))[0]
    part = pq.read_table(next(day.glob("*.parquet")))
    places = part["place_id"].to_pylist()
    assert places == sorted(places)  # sorted by place within a day
    again = runner.invoke(app, ["import", "checkins", str(out / "checkins.parquet"), "--json"])
    assert json.loads(again.stdout)["result"]["new"] == 0
    assert read_events(ctx.settings.event_dir, "checkins").num_rows == source.num_rows


def test_typical_dwell_and_bad_rows(ctx: ServiceContext, tmp_path: Path) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    places = {
        r.split(",")[0]: r.split(",")[2] for r in (DATA / "places.csv").read_text().splitlines()[1:]
    }
    place, kind = next(iter(places.items()))
    good = tmp_path / "good.csv"
    good.write_text(
        "person_id,place_id,t_in,t_out\n"
        f"1001,{place},2022-04-01T10:00:00,2022-04-01T10:30:00\n"
        f"1002,{place},2022-04-01T11:00:00,\n"
    )
    batch = import_checkins(ctx, good)
    assert (batch.new, batch.dwell_filled) == (2, 1)
    stored = read_events(ctx.settings.event_dir, "checkins").to_pylist()
    row = next(r for r in stored if r["person_id"] == 1002)
    minutes = (row["t_out"] - row["t_in"]).total_seconds() / 60
    assert minutes == typical_dwell_minutes().get(kind, 60.0)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "person_id,place_id,t_in,t_out\n"
        f"4242,{place},2022-04-01T10:00:00,\n"
        "1001,999999,2022-04-01T10:00:00,\n"
        f"1001,{place},not a time,\n"
        f"1001,{place},2022-04-01T10:00:00,2022-04-01T09:00:00\n"
    )
    with pytest.raises(InputError) as caught:
        import_checkins(ctx, bad)
    problems = {(p.row, p.field) for p in caught.value.report.problems}
    assert {(1, "person_id"), (2, "place_id"), (3, "t_in"), (4, "t_out")} <= problems
    assert read_events(ctx.settings.event_dir, "checkins").num_rows == 2
