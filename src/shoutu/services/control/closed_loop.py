"""Closed-loop management of staff (闭环管理: ports, airports, the cold chain, quarantine
sites), by the protocol's ``closed_loop``.

``import closed-loop FILE``: ``person_id, place_id, start_time[, left_time]`` — a worker's
stay in a site's closed loop, known by (person, start); the same row again changes nothing, a
``left_time`` given or corrected later is recorded (audited) and opens — or extends — the
worker's episode after leaving by ``closed_loop.after_leaving``, counted from the leaving.

``control loop --date D``: each worker with a stay begun by D (their latest; one who left
more than 30 days before is no longer listed), with their status that day — in the loop,
left and within the after-leaving measure's days, or off — and, in the loop, their PCR
tests against the interval (their key population's interval in the protocol, else
``closed_loop.test_interval_days``): the last sample by the end of D and whether a test is
overdue (none in the interval's days up to D).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc

from shoutu.domain.timeutil import end_of_day, local_date, start_of_day
from shoutu.domain.vocabulary import KeyPopulation, LoopStatus
from shoutu.errors import BadRequest
from shoutu.events.store import read_events
from shoutu.protocols.schema import ClosedLoop, Protocol
from shoutu.services.context import ServiceContext
from shoutu.services.control.episodes import Reason, open_episodes
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec
from shoutu.services.registry.imports.recording import FileOptions, Recorded, once, recording
from shoutu.store.repositories import closed_loop as repo
from shoutu.store.repositories import people as people_repo
from shoutu.store.tables import LoopStay, Person, Place, table


def rules_of(protocol: Protocol) -> ClosedLoop:
    if protocol.closed_loop is None:
        raise BadRequest(f"protocol {protocol.name} sets no closed-loop management")
    return protocol.closed_loop


def _prepare(batch: Batch) -> None:
    batch.check_known(
        field_name="person_id", table=table(Person), key="person_id", what="person id"
    )
    batch.check_known(field_name="place_id", table=table(Place), key="place_id", what="place id")
    for parsed in batch.rows:
        batch.not_before(parsed, "left_time", "start_time")
    once(batch, "stay", ("person_id", "start_time"), "start_time")


SPEC = EntitySpec(
    entity="closed-loop stays",
    table=table(LoopStay),
    key="loop_id",
    fields=(
        f.FieldSpec("person_id", f.integer(), required=True),
        f.FieldSpec("place_id", f.integer(), required=True),
        f.FieldSpec("start_time", f.timestamp, required=True),
        f.FieldSpec("left_time", f.timestamp),
    ),
    prepare=_prepare,
)


def import_loop(
    ctx: ServiceContext,
    path: Path,
    *,
    protocol: str | None = None,
    options: FileOptions = FileOptions(),
) -> Recorded:
    """Record closed-loop stays and open the episodes after leaving (see the module)."""
    loaded, _ = ctx.protocol(protocol)
    rules = rules_of(loaded)
    command = "import closed-loop"
    with recording(ctx, SPEC, path, options, command=command, protocol=loaded.name) as (
        unit,
        values,
        result,
    ):
        stored = repo.stays_of(unit.conn, person_ids=sorted({v["person_id"] for v in values}))
        fresh, left = [], []
        for v in values:
            before = stored.get((v["person_id"], v["start_time"]))
            if before is None:
                fresh.append(v)
            elif v["left_time"] is not None and v["left_time"] != before["left_time"]:
                loop_id = int(before["loop_id"])
                repo.change(
                    unit.conn, loop_id=loop_id, values={"left_time": v["left_time"]} | unit.touch
                )
                unit.updated(
                    "closed_loop_stays",
                    loop_id,
                    {"left_time": before["left_time"]},
                    {"left_time": v["left_time"]},
                )
                result.updated += 1
                left.append({**before, "left_time": v["left_time"]})
            else:
                result.unchanged += 1
        ids = repo.add(unit.conn, rows=[{**v, **unit.stamp} for v in fresh])
        unit.created("closed_loop_stays", ids, fresh)
        result.recorded = len(ids)
        left += [{**v, "loop_id": i} for i, v in zip(ids, fresh, strict=True) if v["left_time"]]
        reasons = [
            (
                Reason(
                    person_id=int(s["person_id"]),
                    anchor=s["left_time"],
                    start=s["left_time"],
                    place_id=int(s["place_id"]),
                    loop_id=int(s["loop_id"]),
                ),
                rules.after_leaving,
            )
            for s in left
        ]
        opened = open_episodes(unit, loaded, reasons, ctx.settings.timezone)
    result.episodes_opened, result.episodes_extended = opened.opened, opened.extended
    return result


def loop_day(ctx: ServiceContext, day: dt.date, *, protocol: str | None = None) -> dict[str, Any]:
    """Each closed-loop worker's status and tests on ``day`` (see the module)."""
    loaded, _ = ctx.protocol(protocol)
    rules = rules_of(loaded)
    tz = ctx.settings.timezone
    begin, end = start_of_day(day, tz), end_of_day(day, tz)
    with ctx.connect() as conn:
        stays = repo.touching(conn, before=end)
        people = sorted({int(s["person_id"]) for s in stays})
        groups = people_repo.key_populations(conn, person_ids=people)
    window = max(
        [rules.test_interval_days, *(k.interval_days for k in loaded.key_populations.values())]
    )
    last = _last_samples(ctx, people, day, math.ceil(window))
    latest = {int(s["person_id"]): s for s in stays}  # by person and start: the last wins
    after = dt.timedelta(days=rules.after_leaving.total_days)
    rows = []
    for person, stay in sorted(latest.items()):
        if stay["left_time"] is None or stay["left_time"] > end:
            status = LoopStatus.IN_LOOP
        elif stay["left_time"] + after > begin:
            status = LoopStatus.LEAVING
        else:
            status = LoopStatus.OFF
            if stay["left_time"] < begin - dt.timedelta(days=30):
                continue  # long gone: not listed
        group = groups.get(person)
        frequency = loaded.key_populations.get(KeyPopulation(group)) if group else None
        interval = frequency.interval_days if frequency else rules.test_interval_days
        sampled = last.get(person)
        row: dict[str, Any] = {
            "person_id": person,
            "place_id": int(stay["place_id"]),
            "status": status.value,
            "since": local_date(stay["start_time"], tz).isoformat(),
            "left": local_date(stay["left_time"], tz).isoformat() if stay["left_time"] else None,
            "interval_days": interval,
            "last_sample": sampled.isoformat() if sampled else None,
        }
        if status == LoopStatus.IN_LOOP:
            row["test_overdue"] = sampled is None or (day - sampled).days >= interval
        rows.append(row)
    counts = {s.value: sum(1 for r in rows if r["status"] == s.value) for s in LoopStatus}
    return {
        "date": day.isoformat(),
        "protocol": loaded.name,
        "counts": counts,
        "tests_overdue": sum(1 for r in rows if r.get("test_overdue")),
        "workers": rows,
    }


def _last_samples(
    ctx: ServiceContext, people: list[int], day: dt.date, days: int
) -> dict[int, dt.date]:
    """Each person's last PCR sampling day in the ``days`` days up to ``day``."""
    found: dict[int, dt.date] = {}
    if not people:
        return found
    for back in range(days - 1, -1, -1):
        on = day - dt.timedelta(days=back)
        tests = read_events(
            ctx.settings.event_dir, "tests", [on.isoformat()], ["person_id", "method"]
        )
        if not tests.num_rows:
            continue
        pcr = tests.filter(pc.equal(tests["method"], "pcr"))
        who = np.asarray(pcr["person_id"].to_numpy(zero_copy_only=False), np.int64)
        for person in np.intersect1d(who, np.asarray(people, np.int64)).tolist():
            found[int(person)] = on
    return found


__all__ = ["SPEC", "import_loop", "loop_day", "rules_of"]
