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
from shoutu.domain.vocabulary import TaskKind
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.simulation.importer import import_simulation
from shoutu.services.supervision.task_list import list_tasks
from shoutu.services.supervision.tasks import NewTask, finish_tasks, open_tasks


def test_a_simulated_registry_speaks_of_its_own_days(
    ctx: ServiceContext, city: City, cli_env: dict[str, str]
) -> None:
    run = city(**SMALL_CITY)
    import_simulation(ctx, run)
    protocol, _ = ctx.protocol()
    at = [dt.datetime(2022, 3, d, 2, tzinfo=dt.UTC) for d in (5, 9, 12)]
    with writing(ctx) as unit:  # done before the day, open (and late) on it, not yet opened
        ids = open_tasks(
            unit,
            protocol,
            [NewTask(TaskKind.REPORT, "cases", i, "report", since=t) for i, t in enumerate(at)],
        )
        finish_tasks(unit, ids[:1], done_time=at[0] + dt.timedelta(days=3))
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
    moment = end - dt.timedelta(microseconds=1)
    assert early["provenance"]["parameters"]["as_of"] == moment.astimezone(dt.UTC).isoformat()
    episodes = pq.read_table(run / "quarantine.parquet").to_pylist()
    in_force: dict[str, int] = {}
    for e in episodes:
        if e["start_time"] < end <= e["end_time"]:
            in_force[e["kind"]] = in_force.get(e["kind"], 0) + 1
    assert in_force and early["under_control"] == in_force  # then, not at the end of the run
    assert early["under_control"] != whole["under_control"]
    tasks = list_tasks(ctx, limit=None)
    open_then = [
        t
        for t in tasks
        if t["open_time"] <= moment and (t["done_time"] is None or t["done_time"] > moment)
    ]
    assert [t["task_id"] for t in open_then] == ids[1:2]
    assert early["tasks"]["open"] == len(open_then)
    overdue = sum(1 for t in open_then if t["due_time"] and t["due_time"] < moment)
    assert early["tasks"]["overdue"] == overdue
    bad = runner.invoke(app, ["summary", "--date", "10/03/2022"])
    assert bad.exit_code == 2 and "--date" in bad.stderr
    # a worker's round speaks of the same day (it spoke of the wall clock's)
    from shoutu.services.control.check_days import check_day, round_list

    assert (
        check_day(ctx).date == dt.date(2022, 3, 20) == check_day(ctx, day).date + dt.timedelta(10)
    )
    assert round_list(ctx)["date"] == "2022-03-20"
