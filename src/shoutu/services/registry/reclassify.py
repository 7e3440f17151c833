"""Cases' reclassifications (转归): an asymptomatic infection that becomes a confirmed case
(or a suspected case confirmed or ruled asymptomatic) is an event at its moment, kept beside the
case's present classification, so that what a case was at any moment can be recounted — the
daily bulletin counts a reclassified case on the day of its change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from shoutu.domain.timeutil import not_in_future
from shoutu.domain.vocabulary import CaseClass
from shoutu.errors import BadRequest, InvalidTransition, NotFound
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import reclassifications as repo


def classification_at(
    case: dict[str, Any], changes: Sequence[dict[str, Any]], at: dt.datetime
) -> CaseClass:
    """What ``case`` was at ``at`` given its reclassifications (earliest first): the last
    change's class by then, else the first change's former class, else its present one."""
    before = [c for c in changes if c["at"] <= at]
    if before:
        return CaseClass(before[-1]["to_class"])
    if changes:
        return CaseClass(changes[0]["from_class"])
    return CaseClass(case["classification"])


def record(unit: Unit, rows: Sequence[dict[str, Any]]) -> int:
    """Record reclassifications (``case_id``, ``from_class``, ``to_class``, ``at``) that are
    not stored yet (the same case and moment: already there), audited; how many were new."""
    known = repo.of_cases(unit.conn, case_ids=sorted({int(r["case_id"]) for r in rows}))
    new = [
        {**r, **unit.stamp}
        for r in rows
        if all(c["at"] != r["at"] for c in known.get(int(r["case_id"]), []))
    ]
    if new:
        ids = repo.add(unit.conn, rows=new)
        unit.created(
            "case_reclassifications",
            ids,
            [{k: r[k] for k in ("case_id", "from_class", "to_class", "at")} for r in new],
        )
    return len(new)


def reclassify(
    ctx: ServiceContext, case_id: int, *, to: CaseClass, at: dt.datetime | None = None
) -> dict[str, Any]:
    """Change a case's classification at ``at`` (default now; not before its report, not
    before its last change, not in the future), audited; the change."""
    when = not_in_future(at)
    with writing(ctx, detail="case reclassified") as unit:
        case = cases_repo.get(unit.conn, case_id=case_id, within=ctx.principal.view)
        if case is None:
            raise NotFound(f"no case {case_id}")
        was = CaseClass(case["classification"])
        if was == to:
            raise InvalidTransition(f"case {case_id} is already {to.value}")
        if when < case["report_time"]:
            raise BadRequest(f"{{at}}: before case {case_id} was reported")
        earlier = repo.of_cases(unit.conn, case_ids=[case_id]).get(case_id, [])
        if earlier and when <= earlier[-1]["at"]:
            raise BadRequest(f"{{at}}: not after case {case_id}'s last reclassification")
        row = {"case_id": case_id, "from_class": was, "to_class": to, "at": when}
        record(unit, [row])
        cases_repo.change(unit.conn, case_id=case_id, values={"classification": to, **unit.touch})
        unit.updated("cases", case_id, {"classification": was.value}, {"classification": to.value})
    return {"case_id": case_id, "from": was.value, "to": to.value, "at": when.isoformat()}


__all__ = ["classification_at", "reclassify", "record"]
