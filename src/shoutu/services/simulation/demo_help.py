"""The demo's help requests: a hotline log of the last day, written beside the run from the
people in sealed or controlled areas (every ``STRIDE``-th of them, categories and severities in
turn), imported as a hotline's log would be, some worked, then the escalation run at the day's
end — so the demo shows open and overdue requests per region.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.timeutil import start_of_day
from shoutu.domain.vocabulary import ControlKind, HelpCategory, HelpStatus, VulnerableGroup
from shoutu.services.context import ServiceContext
from shoutu.services.control.help_import import import_requests
from shoutu.services.control.help_requests import assign, escalate_run, update
from shoutu.services.control.help_views import list_requests, summary
from shoutu.store.repositories import measures as measures_repo

STRIDE = 25  # one asker in so many people inside an area
MOST = 24  # requests in the log at most
_TURN = (
    (HelpCategory.FOOD, 3, VulnerableGroup.ELDERLY_ALONE),
    (HelpCategory.CHRONIC_MEDICINE, 3, VulnerableGroup.CHRONIC_DISEASE),
    (HelpCategory.DIALYSIS, 2, VulnerableGroup.CHRONIC_DISEASE),
    (HelpCategory.INFANT_SUPPLIES, 3, VulnerableGroup.INFANT),
    (HelpCategory.OBSTETRIC, 1, VulnerableGroup.PREGNANT),
    (HelpCategory.FOOD, 4, None),
    (HelpCategory.MENTAL_HEALTH, 3, None),
    (HelpCategory.OTHER, None, None),
)


def help_log(ctx: ServiceContext, day: dt.date, path: Path) -> int:
    """Write the day's hotline log from the people in areas on it; how many rows."""
    begin = start_of_day(day, ctx.settings.timezone)
    kinds = [ControlKind.AREA_SEALED.value, ControlKind.AREA_CONTROLLED.value]
    with ctx.connect() as conn:
        inside = measures_repo.in_force_during(
            conn, start=begin, end=begin + dt.timedelta(days=1), within=EVERYWHERE, kinds=kinds
        )
    people = sorted({int(m["person_id"]) for m in inside})[::STRIDE][:MOST]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_ref", "received_time", "category", "severity", "person_id",
                         "vulnerable"])  # fmt: skip
        for i, person in enumerate(people):
            category, severity, group = _TURN[i % len(_TURN)]
            at = begin + dt.timedelta(hours=8, minutes=37 * i)
            writer.writerow([f"12345-{day:%Y%m%d}-{i + 1:03d}", at.isoformat(), category.value,
                             severity or "", person, group.value if group else ""])  # fmt: skip
    return len(people)


def help_summary(ctx: ServiceContext, day: dt.date, out_dir: Path) -> dict[str, Any]:
    """The last day's requests: the log imported, the first third worked (assigned, and
    resolved 90 minutes after receipt), the escalation run at the day's end; the open requests
    and the summary per district."""
    if ctx.protocol()[0].help_requests is None:
        return {}
    path = out_dir / "help-requests.csv"
    if not help_log(ctx, day, path):
        return {}
    result = import_requests(ctx, path)
    end = start_of_day(day + dt.timedelta(days=1), ctx.settings.timezone)
    requests = list_requests(ctx, at=end)
    for r in requests[: len(requests) // 3]:
        if r["status"] != HelpStatus.TRIAGED or r["severity"] == 1:
            continue  # within their deadlines (a life-threatening one is left to escalate)
        received = r["received_time"]
        assign(ctx, r["request_id"], worker="网格员", at=received + dt.timedelta(minutes=10))
        update(ctx, r["request_id"], status=HelpStatus.RESOLVED, outcome="delivered",
               at=received + dt.timedelta(minutes=90))  # fmt: skip
    escalated = escalate_run(ctx, at=end - dt.timedelta(seconds=1))
    return {
        "date": day.isoformat(),
        "log": path.name,
        "received": result.recorded,
        "escalations": len(escalated),
        "open": list_requests(ctx, open_only=True, at=end),
        "summary": summary(ctx, at=end),
    }


__all__ = ["help_log", "help_summary"]
