"""'As of' is not the wall clock (trust issue, item 19): after loading a 2022 run, the summary
speaks of the run's last day; --date D counts what had been reported by the end of D."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow.parquet as pq
from typer.testing import CliRunner

from cities import SMALL_CITY
from conftest import City
from shoutu.cli.app import app
from shoutu.services.context import ServiceContext
from shoutu.services.simulation.importer import import_simulation


def test_a_simulated_registry_speaks_of_its_own_days(
    ctx: ServiceContext, city: City, cli_env: dict[str, str]
) -> None:
    run = city(**SMALL_CITY)
    import_simulation(ctx, run)
    cases = pq.read_table(run / "cases.parquet").to_pylist()
    runner = CliRunner()
    whole = json.loads(runner.invoke(app, ["summary", "--json"]).stdout)
    assert whole["as_of"] == "2022-03-20"  # the run's last day (20 days from 2022-03-01)
    assert whole["cases"]["total"] == len(cases)
    community = [c["report_time"] for c in cases if not c["found_in_control"]]
    last = max(community).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert whole["cases"]["days_since_last_community_case"] == (dt.date(2022, 3, 20) - last).days
    day = dt.date(2022, 3, 10)
    early = json.loads(runner.invoke(app, ["summary", "--date", day.isoformat(), "--json"]).stdout)
    end = dt.datetime(2022, 3, 11, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert early["as_of"] == "2022-03-10"
    assert early["cases"]["total"] == sum(1 for c in cases if c["report_time"] < end)
    bad = runner.invoke(app, ["summary", "--date", "10/03/2022"])
    assert bad.exit_code == 2 and "--date" in bad.stderr
