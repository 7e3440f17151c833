"""What new lab results set in motion in the registry (only what needs a workflow).

1. A positive pooled tube recalls every member: a single-tube re-sampling Task each, due within
   the protocol's ``pool_recall_hours``, and a temporary control measure (临时管控).
2. A positive antigen test asks for PCR confirmation: a Task, due within the same time.
3. A single-tube PCR result settles the person's open re-sampling and confirmation tasks; a
   negative one also ends their temporary control.
4. A single-tube PCR positive of a person without a case becomes a Case (classified
   asymptomatic until the clinical assessment, with a report Task due within the protocol's
   ``report_hours``). Its detection channel is the result's ``purpose`` when given, else what
   led to the test: a pool recall (mass screening), an antigen positive (antigen self-test),
   a control measure in force (quarantine testing), otherwise "other"; and it records whether
   the person was under control when sampled (管控内) or not (社会面) — temporary control after
   a positive pool does not count: those people were found in the community.
5. A single-tube sample taken on a quarantine test day does that day's test task; a positive
   one ends the person's quarantine episode ``converted_to_case`` (``services/control``).
Every registry write is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shoutu.domain.timeutil import utcnow
from shoutu.domain.vocabulary import (
    CaseClass,
    CaseStatus,
    Channel,
    ControlKind,
    ControlStatus,
    Origin,
    TaskKind,
)
from shoutu.errors import ShoutuError
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.episodes import after_results
from shoutu.services.control.isolation import open_isolation
from shoutu.services.supervision.tasks import (
    NewTask,
    Responsible,
    open_by_subject,
    open_tasks,
    settle,
)
from shoutu.store.repositories import batches, locks
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import measures as measures_repo
from shoutu.store.repositories import people as people_repo

PEOPLE = "people"
KIND = "tests"  # the event kind whose batches this workflow processes


def run_workflow(
    ctx: ServiceContext, results: pa.Table, *, batch: str | None = None
) -> dict[str, int]:
    """The workflow of new results (see the module's text), in one write unit; that unit also
    marks the event ``batch`` processed, so a batch is processed exactly when its workflow
    has committed."""
    protocol, _ = ctx.protocol()
    name = protocol.name
    recall = dt.timedelta(hours=protocol.timeliness.pool_recall_hours)
    pcr = pc.equal(results["method"], "pcr")
    positive = pc.equal(results["result"], "positive")
    pooled = pc.greater(results["pool_size"], 1)
    counts = {"recalls": 0, "confirmations": 0, "tasks_done": 0, "released": 0, "cases": 0}
    with writing(ctx, detail="lab results") as unit:
        conn = unit.conn
        # one workflow at a time (each reads the open tasks and measures it then adds to)
        locks.serialise(conn, name="shoutu.screening.workflow")
        if batch is not None and batches.is_processed(conn, kind=KIND, batch=batch):
            return counts  # another run (a repair, a re-send) finished it meanwhile
        # 1 and 2: recalls of positive pools, PCR confirmation of antigen positives
        for mask, kind, what in (
            (pc.and_(pc.and_(pcr, pooled), positive), TaskKind.RESAMPLE, "recalls"),
            (
                pc.and_(pc.equal(results["method"], "antigen"), positive),
                TaskKind.PCR_CONFIRMATION,
                "confirmations",
            ),
        ):
            rows = _first_per_person(results.filter(mask.fill_null(False)).sort_by("result_time"))
            if not rows:
                continue
            ids = [r["person_id"] for r in rows]
            already = open_by_subject(unit, kind=kind, subject_type=PEOPLE, subject_ids=ids)
            new = [r for r in rows if str(r["person_id"]) not in already]
            homes = people_repo.home_regions(conn, person_ids=[int(r["person_id"]) for r in new])
            open_tasks(
                unit,
                protocol,
                [
                    NewTask(
                        kind,
                        PEOPLE,
                        r["person_id"],
                        _title(kind, r),
                        since=r["result_time"],
                        responsible=Responsible(region=homes.get(int(r["person_id"]))),
                    )
                    for r in new
                ],
            )
            counts[what] += len(new)
            if kind == TaskKind.RESAMPLE and new:
                measure_rows = [
                    {
                        "person_id": int(r["person_id"]),
                        "kind": ControlKind.TEMPORARY,
                        "status": ControlStatus.ACTIVE,
                        "reason": f"positive pool {r['tube_id']}: single-tube re-test",
                        "start_time": r["result_time"],
                        "planned_end_time": r["result_time"] + recall,
                        "protocol": name,
                        "resp_region": homes.get(int(r["person_id"])),  # the person's home
                        **unit.stamp,
                    }
                    for r in new
                ]
                unit.created(
                    "control_measures",
                    measures_repo.add(conn, rows=measure_rows),
                    measure_rows,
                )
        # 3 and 4: single-tube PCR results settle tasks; positives become cases
        single_tubes = pc.and_(pcr, pc.invert(pooled)).fill_null(False)
        single = results.filter(single_tubes).sort_by("result_time").to_pylist()
        people = sorted({int(r["person_id"]) for r in single})
        recalls = open_by_subject(
            unit, kind=TaskKind.RESAMPLE, subject_type=PEOPLE, subject_ids=people
        )
        confirms = open_by_subject(
            unit, kind=TaskKind.PCR_CONFIRMATION, subject_type=PEOPLE, subject_ids=people
        )
        with_case = cases_repo.people_with_cases(conn, person_ids=people)
        regions = people_repo.home_regions(conn, person_ids=people)
        measures: dict[int, list[dict[str, Any]]] = {}
        if single:  # one query for the batch; each result picks what was in force then
            measures = measures_repo.in_force_between(
                conn,
                person_ids=people,
                start=min(r["sample_time"] for r in single),
                end=max(r["sample_time"] for r in single),
            )
        case_rows: list[dict[str, Any]] = []
        for r in single:
            person = int(r["person_id"])
            key = str(person)
            led_by = [t for t in (recalls.pop(key, None), confirms.pop(key, None)) if t]
            if led_by:  # their own tasks, or their items of a summary beyond the daily cap
                counts["tasks_done"] += settle(unit, led_by, done_time=r["result_time"])
            in_force = [m for m in measures.get(person, []) if _in_force(m, r["sample_time"])]
            temporary = [m for m in in_force if m["kind"] == ControlKind.TEMPORARY]
            if r["result"] == "negative" and temporary:
                ended = [int(m["measure_id"]) for m in temporary]
                measures_repo.end(
                    conn,
                    measure_ids=ended,
                    end_time=r["result_time"],
                    values={"status": ControlStatus.RELEASED, **unit.touch},
                )
                for m in temporary:
                    m["end_time"] = r["result_time"]
                    unit.updated(
                        "control_measures", m["measure_id"], None, {"ended": "negative re-test"}
                    )
                counts["released"] += len(ended)
            if r["result"] != "positive" or person in with_case:
                continue
            controlled = any(m["kind"] != ControlKind.TEMPORARY for m in in_force)
            case_rows.append(
                {
                    "person_id": person,
                    "classification": CaseClass.ASYMPTOMATIC,
                    "origin": Origin.UNKNOWN,
                    "channel": _channel(r, led_by, controlled),
                    "found_in_control": controlled,
                    "region_code": regions.get(person),
                    "sample_time": r["sample_time"],
                    "report_time": r["result_time"],
                    "status": CaseStatus.ACTIVE,
                    "protocol": name,
                    **unit.stamp,
                }
            )
            with_case.add(person)
        case_ids = cases_repo.add(conn, rows=case_rows)
        unit.created("cases", case_ids, case_rows)
        open_tasks(
            unit,
            protocol,
            [
                NewTask(
                    TaskKind.REPORT,
                    "cases",
                    case_id,
                    "assess and report the positive (classification, severity)",
                    since=c["report_time"],
                    responsible=Responsible(region=c["region_code"]),
                )
                for case_id, c in zip(case_ids, case_rows, strict=True)
            ],
        )
        counts["cases"] = len(case_rows)
        persons = {int(c["person_id"]): i for i, c in zip(case_ids, case_rows, strict=True)}
        counts |= after_results(unit, single, measures, persons, ctx.settings.timezone)
        isolated = [{**c, "case_id": i} for i, c in zip(case_ids, case_rows, strict=True)]
        counts |= open_isolation(unit, protocol, isolated, ctx.settings.timezone)
        if batch is not None:
            batches.processed(conn, kind=KIND, batch=batch, at=unit.now, by=unit.actor)
    return counts


#: a batch stored longer ago than this and not processed is taken for interrupted (an
#: import still running is not); ``shoutu repair`` finishes any
LEASE = dt.timedelta(minutes=15)


def finish_pending(ctx: ServiceContext, *, everything: bool = False) -> dict[str, int]:
    """Run the workflow of the results batches that were stored but not processed (a kill or
    a failure between the event write and the workflow's commit) — those older than the
    lease, or all with ``everything``; counts of what it did. A batch whose events were never
    written is forgotten (its re-send stores it again); one with fewer rows written than it
    has (its import still writing) is left alone and counted as incomplete; one whose
    workflow fails is left for later and counted as failed, the others go on."""
    from shoutu.events.store import batch_files

    done: dict[str, int] = {"batches": 0}
    with ctx.connect() as conn:
        before = None if everything else utcnow() - LEASE
        pending = batches.unprocessed(conn, kind=KIND, before=before)
    for entry in pending:
        files = batch_files(ctx.settings.event_dir, KIND, entry["batch"])
        stored = (
            pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")
            if files
            else None
        )
        if stored is None or stored.num_rows == 0:
            with writing(ctx) as unit:
                batches.forget(unit.conn, kind=KIND, batch=entry["batch"])
            continue
        if stored.num_rows < entry["rows"]:  # its import is still writing (or died writing):
            done["incomplete"] = done.get("incomplete", 0) + 1  # its re-send finishes it
            continue
        try:
            counts = run_workflow(ctx, stored, batch=entry["batch"])
        except ShoutuError:
            done["failed"] = done.get("failed", 0) + 1
            continue
        for key, count in counts.items():
            done[key] = done.get(key, 0) + count
        done["batches"] += 1
    return done


def _in_force(measure: dict[str, Any], at: dt.datetime) -> bool:
    end = measure["end_time"]
    return bool(measure["start_time"] <= at and (end is None or end > at))


def _first_per_person(table: pa.Table) -> list[dict[str, Any]]:
    seen: set[int] = set()
    rows = []
    for r in table.to_pylist():
        if r["person_id"] not in seen:
            seen.add(r["person_id"])
            rows.append(r)
    return rows


RESAMPLE_TITLE = "single-tube re-sampling: pooled tube {} positive"


def tube_of(title: str) -> str | None:
    """The pooled tube a re-sampling task's title names (None: not such a title)."""
    head, _, tail = RESAMPLE_TITLE.partition("{}")
    if title.startswith(head) and title.endswith(tail) and len(title) > len(head + tail):
        return title[len(head) : len(title) - len(tail)]
    return None


def _title(kind: TaskKind, r: dict[str, Any]) -> str:
    if kind == TaskKind.RESAMPLE:
        return RESAMPLE_TITLE.format(r["tube_id"])
    return f"PCR confirmation of antigen positive {r['sample_id']}"


def _channel(r: dict[str, Any], led_by: list[dict[str, Any]], controlled: bool) -> Channel:
    if r.get("purpose"):
        return Channel(r["purpose"])
    kinds = {t["kind"] for t in led_by}
    if TaskKind.RESAMPLE in kinds:
        return Channel.MASS_SCREENING
    if TaskKind.PCR_CONFIRMATION in kinds:
        return Channel.ANTIGEN_SELF_TEST
    return Channel.QUARANTINE_TESTING if controlled else Channel.OTHER


__all__ = ["RESAMPLE_TITLE", "run_workflow", "tube_of"]
