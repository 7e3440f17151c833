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
Every registry write is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from shoutu.domain.timeutil import utcnow
from shoutu.domain.vocabulary import (
    AuditAction,
    CaseClass,
    CaseStatus,
    Channel,
    ControlKind,
    ControlStatus,
    Origin,
    TaskKind,
    TaskStatus,
)
from shoutu.services.context import ServiceContext
from shoutu.store.repositories import audit
from shoutu.store.repositories import lab as repo

PEOPLE = "people"


def run_workflow(ctx: ServiceContext, results: pa.Table) -> dict[str, int]:
    protocol, _ = ctx.protocol()
    name = protocol.name
    recall = dt.timedelta(hours=protocol.timeliness.pool_recall_hours)
    report = dt.timedelta(hours=protocol.timeliness.report_hours)
    pcr = pc.equal(results["method"], "pcr")
    positive = pc.equal(results["result"], "positive")
    pooled = pc.greater(results["pool_size"], 1)
    counts = {"recalls": 0, "confirmations": 0, "tasks_done": 0, "released": 0, "cases": 0}
    now = utcnow()
    stamp = {"created_at": now, "updated_at": now, "updated_by": ctx.actor}
    events: list[dict[str, Any]] = []
    with ctx.transaction() as conn:
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
            ids = [str(r["person_id"]) for r in rows]
            already = repo.open_tasks(conn, kind=kind.value, subject_type=PEOPLE, subject_ids=ids)
            new = [r for r in rows if str(r["person_id"]) not in already]
            task_rows = [
                {
                    "kind": kind,
                    "status": TaskStatus.OPEN,
                    "subject_type": PEOPLE,
                    "subject_id": str(r["person_id"]),
                    "title": _title(kind, r),
                    "due_time": r["result_time"] + recall,
                    **stamp,
                }
                for r in new
            ]
            task_ids = repo.add_tasks(conn, rows=task_rows)
            events += [
                _event(ctx, "tasks", t, None, row)
                for t, row in zip(task_ids, task_rows, strict=True)
            ]
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
                        **stamp,
                    }
                    for r in new
                ]
                measure_ids = repo.add_measures(conn, rows=measure_rows)
                events += [
                    _event(ctx, "control_measures", m, None, row)
                    for m, row in zip(measure_ids, measure_rows, strict=True)
                ]
        # 3 and 4: single-tube PCR results settle tasks; positives become cases
        single_tubes = pc.and_(pcr, pc.invert(pooled)).fill_null(False)
        single = results.filter(single_tubes).sort_by("result_time").to_pylist()
        people = sorted({int(r["person_id"]) for r in single})
        ids = [str(p) for p in people]
        recalls = repo.open_tasks(
            conn, kind=TaskKind.RESAMPLE.value, subject_type=PEOPLE, subject_ids=ids
        )
        confirms = repo.open_tasks(
            conn, kind=TaskKind.PCR_CONFIRMATION.value, subject_type=PEOPLE, subject_ids=ids
        )
        with_case = repo.people_with_cases(conn, person_ids=people)
        regions = repo.home_regions(conn, person_ids=people)
        next_id = repo.next_case_id(conn)
        case_rows: list[dict[str, Any]] = []
        for r in single:
            person = int(r["person_id"])
            key = str(person)
            led_by = [t for t in (recalls.pop(key, None), confirms.pop(key, None)) if t]
            if led_by:
                task_ids = [int(t["task_id"]) for t in led_by]
                done = {"updated_at": now, "updated_by": ctx.actor}
                repo.finish_tasks(conn, task_ids=task_ids, done_time=r["result_time"], values=done)
                events += [
                    _event(ctx, "tasks", t, {"status": "open"}, {"status": "done"})
                    for t in task_ids
                ]
                counts["tasks_done"] += len(task_ids)
            in_force = repo.measures_in_force(conn, person_ids=[person], at=r["sample_time"])
            measures = in_force.get(person, [])
            temporary = [m for m in measures if m["kind"] == ControlKind.TEMPORARY]
            if r["result"] == "negative" and temporary:
                ended = [int(m["measure_id"]) for m in temporary]
                repo.end_measures(
                    conn,
                    measure_ids=ended,
                    end_time=r["result_time"],
                    values={
                        "status": ControlStatus.ENDED,
                        "updated_at": now,
                        "updated_by": ctx.actor,
                    },
                )
                events += [
                    _event(ctx, "control_measures", m, None, {"ended": "negative re-test"})
                    for m in ended
                ]
                counts["released"] += len(ended)
            if r["result"] != "positive" or person in with_case:
                continue
            controlled = any(m["kind"] != ControlKind.TEMPORARY for m in measures)
            channel = _channel(r, led_by, controlled)
            case_rows.append(
                {
                    "case_id": next_id,
                    "person_id": person,
                    "classification": CaseClass.ASYMPTOMATIC,
                    "origin": Origin.UNKNOWN,
                    "channel": channel,
                    "found_in_control": controlled,
                    "region_code": regions.get(person),
                    "sample_time": r["sample_time"],
                    "report_time": r["result_time"],
                    "status": CaseStatus.ACTIVE,
                    "protocol": name,
                    **stamp,
                }
            )
            with_case.add(person)
            next_id += 1
        repo.add_cases(conn, rows=case_rows)
        report_rows = [
            {
                "kind": TaskKind.REPORT,
                "status": TaskStatus.OPEN,
                "subject_type": "cases",
                "subject_id": str(c["case_id"]),
                "title": "assess and report the positive (classification, severity)",
                "due_time": c["report_time"] + report,
                **stamp,
            }
            for c in case_rows
        ]
        report_ids = repo.add_tasks(conn, rows=report_rows)
        events += [_event(ctx, "cases", c["case_id"], None, _public(c)) for c in case_rows]
        events += [
            _event(ctx, "tasks", t, None, row)
            for t, row in zip(report_ids, report_rows, strict=True)
        ]
        counts["cases"] = len(case_rows)
        audit.append(conn, events=events)
    return counts


def _first_per_person(table: pa.Table) -> list[dict[str, Any]]:
    seen: set[int] = set()
    rows = []
    for r in table.to_pylist():
        if r["person_id"] not in seen:
            seen.add(r["person_id"])
            rows.append(r)
    return rows


def _title(kind: TaskKind, r: dict[str, Any]) -> str:
    if kind == TaskKind.RESAMPLE:
        return f"single-tube re-sampling: pooled tube {r['tube_id']} positive"
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


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """Audit values: JSON-friendly, no timestamps as objects."""
    return {
        k: (v.isoformat() if isinstance(v, dt.datetime) else str(v))
        for k, v in row.items()
        if k not in ("created_at", "updated_at", "updated_by")
    }


def _event(
    ctx: ServiceContext, entity: str, entity_id: Any, before: Any, after: Any
) -> dict[str, Any]:
    action = AuditAction.CREATE if before is None else AuditAction.UPDATE
    shown = _public(after) if isinstance(after, dict) else after
    return ctx.audit_event(action, entity, entity_id, before, shown, "lab results")


__all__ = ["run_workflow"]
