"""Nothing lost (trust issue, items 1 and 2): a results batch whose workflow never committed
(a kill or a lock between the event write and the workflow) is finished by the lab's re-send
or by `shoutu repair`; an event file cut short by kill -9 is skipped with a warning naming it,
and `shoutu repair` moves it aside; event files are written under a temporary name and
renamed, so a reader never meets half a file."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from paths import DATA
from shoutu.cli.app import app
from shoutu.events.store import UnreadableEvents, read_events, write_events
from shoutu.io.provenance import file_hash
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.screening.lab_results import import_results, read_results
from shoutu.settings import Settings
from shoutu.store.repositories import batches
from shoutu.store.tables import ControlMeasure, StoredBatch, Task, table

T0 = dt.datetime(2022, 4, 1, 0, 0, tzinfo=dt.UTC)
HEADER = (
    "sample_id,tube_id,pool_size,person_id,sample_time,result_time,method,result,ct_n,ct_orf1ab\n"
)


def _count(ctx: ServiceContext, model: type) -> int:
    with ctx.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table(model))).scalar_one())


def _pools(tmp_path: Path) -> Path:
    path = tmp_path / "pools.csv"
    rows = [
        f"s{p},tube-{'A' if p < 1003 else 'B'},10,{p},2022-04-01T08:00,2022-04-01T14:00,pcr,"
        f"{'positive,31.5,32' if p < 1003 else 'negative,,'}\n"
        for p in (1001, 1002, 1003, 1004, 1005)
    ]
    path.write_text(HEADER + "".join(rows))
    return path


def _crash_after_storing(ctx: ServiceContext, path: Path) -> None:
    """What a kill between the event write and the workflow's commit leaves: the batch in
    the ledger as stored, its events written, no workflow."""
    table, check = read_results(path, ctx.settings.timezone)
    assert check.report.ok
    tag = hashlib.sha256(f"results:{file_hash(path)}".encode()).hexdigest()[:16]
    with writing(ctx) as unit:
        batches.stored(
            unit.conn,
            kind="tests",
            batch=tag,
            values={
                "file": path.name,
                "rows": table.num_rows,
                "stored_at": unit.now - dt.timedelta(hours=1),
            }
            | unit.stamp,
        )
    write_events(ctx.settings.event_dir, "tests", table, ctx.settings.timezone, tag)


def _dead_pid() -> int:
    """The id of a process that has ended."""
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _load(ctx: ServiceContext) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")


def test_a_resend_finishes_an_interrupted_batch(ctx: ServiceContext, tmp_path: Path) -> None:
    _load(ctx)
    path = _pools(tmp_path)
    _crash_after_storing(ctx, path)
    assert _count(ctx, Task) == 0  # the recalls were lost by the crash
    again = import_results(ctx, path)
    assert (again.new, again.already_stored) == (0, 5)
    assert (again.recovered["batches"], again.recovered["recalls"]) == (1, 2)
    assert _count(ctx, Task) == 2 and _count(ctx, ControlMeasure) == 2
    third = import_results(ctx, path)  # nothing left to finish: nothing more happens
    assert third.recovered == {} and _count(ctx, Task) == 2


def test_repair_finishes_it_and_moves_damaged_files_aside(
    ctx: ServiceContext, cli_env: dict[str, str], tmp_path: Path
) -> None:
    _load(ctx)
    _crash_after_storing(ctx, _pools(tmp_path))
    other = pa.table(
        {
            "channel": ["absence"],
            "time": pa.array([T0], pa.timestamp("us", tz="UTC")),
            "region": ["310101002001"],
            "count": [3.0],
        }
    )
    written = write_events(ctx.settings.event_dir, "series", other, "Asia/Shanghai", "b1")
    assert written.rows == 1
    day = next((ctx.settings.event_dir / "series").glob("day=*"))
    damaged = next(day.glob("*.parquet"))
    damaged.write_bytes(damaged.read_bytes()[:100])  # kill -9 in the middle of a write
    import os

    dead = day / f".left-over.{_dead_pid()}.tmp"
    dead.write_bytes(b"half a file")  # a killed atomic writer's
    live = day / f".being-written.{os.getpid()}.tmp"  # a running writer's: left alone
    live.write_bytes(b"half a file")
    staging = ctx.settings.event_dir / ".staging-old"  # a killed series import's, long ago
    staging.mkdir()
    os.utime(staging, (0, 0))
    with pytest.warns(UnreadableEvents, match=str(damaged)):
        assert read_events(ctx.settings.event_dir, "series").num_rows == 0
    assert read_events(ctx.settings.event_dir, "tests").num_rows == 5
    result = CliRunner().invoke(app, ["repair", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["moved"] == [str(damaged.relative_to(ctx.settings.event_dir))]
    assert report["finished"]["batches"] == 1 and report["finished"]["recalls"] == 2
    assert (ctx.settings.event_dir / "damaged" / report["moved"][0]).exists()
    assert report["cleaned"] == 2 and not dead.exists() and not staging.exists()
    assert live.exists()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning now: the damaged file is gone
        assert read_events(ctx.settings.event_dir, "series").num_rows == 0
    assert _count(ctx, Task) == 2


def test_a_crash_before_the_event_write_leaves_nothing_half_done(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    """The ledger says stored, no event was written: the re-send stores and processes."""
    _load(ctx)
    path = _pools(tmp_path)
    table, _ = read_results(path, ctx.settings.timezone)
    tag = hashlib.sha256(f"results:{file_hash(path)}".encode()).hexdigest()[:16]
    with writing(ctx) as unit:
        when = unit.now - dt.timedelta(hours=1)
        values = {"file": path.name, "rows": table.num_rows, "stored_at": when}
        batches.stored(unit.conn, kind="tests", batch=tag, values=values | unit.stamp)
    again = import_results(ctx, path)
    assert (again.new, again.workflow["recalls"]) == (5, 2)
    assert _count(ctx, Task) == 2
    with ctx.connect() as conn:
        assert batches.unprocessed(conn, kind="tests") == []


def test_concurrent_repairs_finish_a_batch_once(
    ctx: ServiceContext, settings: Settings, tmp_path: Path
) -> None:
    """Four repairs at once (each its own context and connection) finish the interrupted
    batch once between them: two recalls, two measures, no duplicate."""
    from concurrent.futures import ThreadPoolExecutor

    from shoutu.services.context import open_context
    from shoutu.services.screening.pooled_workflow import finish_pending

    _load(ctx)
    _crash_after_storing(ctx, _pools(tmp_path))

    def repair(_: int) -> dict[str, int]:
        own = open_context(settings, migrate=False)
        try:
            return finish_pending(own, everything=True)
        finally:
            own.close()

    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(repair, range(4)))
    assert sum(d.get("recalls", 0) for d in done) == 2
    assert _count(ctx, Task) == 2 and _count(ctx, ControlMeasure) == 2


def test_a_batch_still_being_written_is_left_to_its_import(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    """Repair meets a batch whose files hold fewer rows than the ledger says (its import is
    still writing): it leaves it alone, so the import's own workflow sees every row."""
    from shoutu.services.screening.pooled_workflow import finish_pending

    _load(ctx)
    path = _pools(tmp_path)
    _crash_after_storing(ctx, path)
    with ctx.transaction() as conn:  # as if three more rows were still to be written
        conn.execute(update(table(StoredBatch)).values(rows=table(StoredBatch).c.rows + 3))
    done = finish_pending(ctx, everything=True)
    assert done == {"batches": 0, "incomplete": 1}
    assert _count(ctx, Task) == 0
    with ctx.connect() as conn:
        assert len(batches.unprocessed(conn, kind="tests")) == 1
