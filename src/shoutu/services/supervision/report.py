"""The accountability report (督查问责报告) of one region and period, for an inspection team:
the four-early figures of the cases reported in the period (``clocks``) in the region's
districts, every late step of a case's chain with who was responsible, every task of the
period in the region that failed (declared not executable, done after its due time, or still
open past it at the period's end) with its parties and times, and the audit trail of who did
what to each of those tasks. Markdown, PDF (with the CJK font) or JSON.

No person appears: cases and tasks by id, parties by region, unit and officer. Reading the
audit trail for the report is itself audited.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from shoutu.domain.access import Jurisdiction
from shoutu.domain.regions import parse_region_code
from shoutu.domain.timeutil import start_of_day
from shoutu.domain.vocabulary import RegionLevel, TaskStatus
from shoutu.errors import BadRequest
from shoutu.io.documents import Metadata, Section, Table, render_markdown, render_pdf, write_pdf
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.supervision.clocks import clocks
from shoutu.store.repositories import audit as audit_repo
from shoutu.store.repositories import tasks as tasks_repo


def _within(code: str | None, prefix: str) -> bool:
    return code is not None and code.startswith(prefix)


def accountability(
    ctx: ServiceContext, start: dt.date, end: dt.date, *, region: str
) -> dict[str, Any]:
    """The report's content (see the module)."""
    try:
        prefix = parse_region_code(region).prefix
    except ValueError as exc:
        raise BadRequest(f"{{region}}: {exc}") from exc
    if end < start:
        raise BadRequest("{to}: before {from}")
    tz = ctx.settings.timezone
    until = start_of_day(end + dt.timedelta(days=1), tz)
    four_early = clocks(ctx, start, end, level=RegionLevel.DISTRICT, within=prefix)
    steps = four_early["clocks"]
    late_steps = [
        {"step": r["step"], "limit_hours": r["limit_hours"], **item}
        for r in steps
        for item in r["late"]
        if _within(item["responsible"], prefix) or item["responsible"] is None
    ]
    with ctx.connect() as conn:
        opened = tasks_repo.in_window(
            conn, start=start_of_day(start, tz), end=until, within=Jurisdiction.of([prefix])
        )
    failed = []
    for t in opened:
        if t["open_time"] < start_of_day(start, tz):
            continue
        status, due, done = str(t["status"]), t["due_time"], t["done_time"]
        why = (
            "not_executable"
            if status == TaskStatus.NOT_EXECUTABLE.value
            else "done_late"
            if done is not None and due is not None and done > due and status == "done"
            else "overdue"
            if done is None and due is not None and due < until
            else None
        )
        if why is not None:
            failed.append({**t, "why": why})
    with writing(ctx, detail="accountability report") as unit:
        trail = audit_repo.of_entities(
            unit.conn, entity="tasks", entity_ids=[str(t["task_id"]) for t in failed]
        )
        unit.read(
            "audit_events", [e["event_id"] for e in trail], pii=False, purpose="supervision report"
        )
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "region": region,
        "protocol": four_early["protocol"],
        "four_early": steps,
        "tracing": four_early["tracing"],
        "late_steps": late_steps,
        "failed_tasks": [
            {
                "task_id": t["task_id"],
                "kind": str(t["kind"]),
                "why": t["why"],
                "open_time": t["open_time"].isoformat(),
                "due_time": t["due_time"].isoformat() if t["due_time"] else None,
                "done_time": t["done_time"].isoformat() if t["done_time"] else None,
                "resp_region": t["resp_region"],
                "resp_unit": t["resp_unit"],
                "resp_person": t["resp_person"],
                "reply": t["reply"],
            }
            for t in failed
        ],
        "audit_trail": [
            {
                "task_id": int(e["entity_id"]),
                "at": e["at"].isoformat(),
                "actor": e["actor"],
                "action": str(e["action"]),
                "detail": e["detail"],
            }
            for e in trail
        ],
    }


def _section(found: dict[str, Any]) -> Section:
    def when(text: str | None) -> str:
        if text is None:
            return "—"
        return dt.datetime.fromisoformat(text).astimezone(dt.UTC).strftime("%m-%d %H:%M UTC")

    tracing = found["tracing"]
    paragraphs = [
        f"区域 Region {found['region']}，期间 Period {found['from']} — {found['to']}，"
        f"依据 Protocol {found['protocol']}。",
        f"四早 Four-early: {tracing['cases']} 例病例 cases; "
        + "; ".join(
            f"{r['region_code']} {r['step']}: 中位 median {r['median_hours']:.1f} h, "
            f"P90 {r['p90_hours']:.1f} h"
            + (f", 按时 within {r['within_limit']:.0%}" if r["within_limit"] is not None else "")
            for r in found["four_early"]
        ),
        f"超时环节 Late steps: {len(found['late_steps'])}；"
        f"未落实任务 Failed tasks: {len(found['failed_tasks'])}；"
        f"操作记录 Audit events: {len(found['audit_trail'])}。",
    ]
    paragraphs += [
        f"病例 Case {s['case_id']} {s['step']}: {s['hours']:.1f} h > {s['limit_hours']:g} h — "
        f"{s['responsible'] or '—'}"
        for s in found["late_steps"]
    ]
    rows = tuple(
        (
            str(t["task_id"]),
            t["kind"],
            t["why"],
            when(t["open_time"]),
            when(t["due_time"]),
            when(t["done_time"]),
            " / ".join(x for x in (t["resp_region"], t["resp_unit"], t["resp_person"]) if x) or "—",
        )
        for t in found["failed_tasks"]
    )
    trail = tuple(
        f"{e['at'][:16]} {e['actor']} {e['action']} task {e['task_id']}"
        + (f" ({e['detail']})" if e["detail"] else "")
        for e in found["audit_trail"]
    )
    return Section(
        lang="zh-CN",
        title="督查问责报告 Accountability report",
        heading=(f"{found['region']} · {found['from']} — {found['to']}",),
        paragraphs=tuple(paragraphs),
        table=Table(
            (
                "任务 Task",
                "类别 Kind",
                "问题 Issue",
                "开始 Opened",
                "时限 Due",
                "完成 Done",
                "责任方 Responsible",
            ),
            rows,
            (2, 3, 3, 3, 3, 3, 5),
        ),
        notes=trail,
    )


def report(
    ctx: ServiceContext,
    start: dt.date,
    end: dt.date,
    *,
    region: str,
    fmt: str = "md",
    output: Path | None = None,
) -> tuple[dict[str, Any], bytes]:
    """The report rendered as ``fmt`` (md, pdf, json), written to ``output`` if given."""
    if fmt not in ("md", "pdf", "json"):
        raise BadRequest(f"{{format}}: {fmt!r} is not one of md, pdf, json")
    found = accountability(ctx, start, end, region=region)
    if fmt == "json":
        content = (json.dumps(found, ensure_ascii=False, indent=2) + "\n").encode()
    elif fmt == "md":
        content = render_markdown([_section(found)]).encode()
    else:
        issued = dt.datetime.combine(end, dt.time(), dt.UTC)
        meta = Metadata(title="督查问责报告", subject="Accountability report", author="shoutu")
        content = render_pdf([_section(found)], metadata=meta, issued=issued)
    if output is not None:
        write_pdf(output, content)
    return found, content


__all__ = ["accountability", "report"]
