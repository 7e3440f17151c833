"""Cases as people read them: a list with filters, one case with its contacts and tasks, a
case's contacts page by page
(every read of a case is audited, as a person's is)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shoutu.domain.regions import parse_region_code
from shoutu.domain.vocabulary import CaseStatus, ContactKind, Right
from shoutu.errors import BadRequest, NotFound
from shoutu.services.audit import one_unit, reading
from shoutu.services.context import ServiceContext
from shoutu.services.guard import may_list, refusals, require
from shoutu.services.supervision.task_list import list_tasks
from shoutu.store.repositories import cases as repo
from shoutu.store.repositories import contacts as contacts_repo


def list_cases(
    ctx: ServiceContext,
    *,
    status: CaseStatus | None = None,
    region: str | None = None,
    limit: int | None = 200,
    after: tuple[dt.datetime, int] | None = None,
) -> list[dict[str, Any]]:
    """Cases in the caller's jurisdiction, latest report first, in ``region``'s subtree (a
    region code, or a code prefix such as a district's six digits): by the case's region,
    else its person's home (``after``: the (report time, id) of the previous page's last)."""
    may_list(ctx, "cases")
    if region is not None:
        try:
            region = parse_region_code(region).prefix  # a whole code: its subtree
        except ValueError:
            if not region.strip().isdigit():
                raise BadRequest(f"{{region}} {region!r} is not a region code or prefix") from None
            region = region.strip()
    with ctx.connect() as conn:
        rows = repo.listing(
            conn,
            within=ctx.principal.view,
            status=status.value if status else None,
            region=region,
            limit=limit,
            after=after,
        )
    with reading(ctx) as unit:
        unit.listed("cases", [r["case_id"] for r in rows], purpose="case list")
    return rows


def get_case(ctx: ServiceContext, case_id: int) -> dict[str, Any]:
    """One case in the caller's jurisdiction with its person (masked: seen through the case,
    wherever they live), its contacts (counts by kind) and its tasks; audited in one unit."""
    with one_unit(ctx), ctx.reads_together():
        return _case(ctx, case_id)


def _case(ctx: ServiceContext, case_id: int) -> dict[str, Any]:
    from shoutu.services.registry.people import masked_view

    with refusals(ctx, "cases", case_id):
        require(ctx, Right.VIEW_CASES)
        with ctx.connect() as conn:
            case = repo.get(conn, case_id=case_id, within=ctx.principal.view)
            if case is None:
                raise NotFound(f"no case {case_id}")
            contacts = contacts_repo.recorded(conn, index_case_id=case_id)
            infector = case["infector_case_id"]
            if infector is not None and not repo.get(
                conn, case_id=int(infector), within=ctx.principal.view
            ):
                case["infector_case_id"] = None  # another jurisdiction's case: not theirs
            # the likely infector: the investigation's, else the one tracing names (the chain's)
            likely = case["infector_case_id"] or contacts_repo.traced_source(
                conn, case_id=case_id, within=ctx.principal.view
            )
    with reading(ctx) as unit:
        unit.read("cases", [case_id], pii=False, purpose="case record")
    tasks = list_tasks(ctx, subject_type="cases", subject_id=str(case_id), limit=None)
    kinds: dict[ContactKind, int] = {}
    for _, kind, _, _ in contacts:
        kinds[ContactKind(kind)] = kinds.get(ContactKind(kind), 0) + 1
    person = masked_view(ctx, int(case["person_id"]), purpose=f"case record {case_id}")
    return {
        "case": case,
        "likely_infector": likely,
        "person": person,
        "contacts": kinds,
        "tasks": tasks,
    }


def case_contacts(
    ctx: ServiceContext, case_id: int, *, limit: int = 50, after: int | None = None
) -> list[dict[str, Any]]:
    """A page of the contacts of a case in the caller's jurisdiction (seen through the case,
    wherever they live; people by id only), by contact id after ``after``, each with the
    episode it opened and the case its person became; audited as a list."""
    with refusals(ctx, "cases", case_id):
        require(ctx, Right.VIEW_CASES)
        with ctx.connect() as conn:
            if repo.get(conn, case_id=case_id, within=ctx.principal.view) is None:
                raise NotFound(f"no case {case_id}")
            rows = contacts_repo.of_case(
                conn, index_case_id=case_id, within=ctx.principal.view, limit=limit, after=after
            )
    with reading(ctx) as unit:
        unit.listed(
            "contacts", [r["contact_id"] for r in rows], purpose=f"contacts of case {case_id}"
        )
    return rows


def case_record(
    ctx: ServiceContext, case_id: int, *, contacts: int = 50, after: int | None = None
) -> dict[str, Any]:
    """What the case page shows: :func:`get_case` and a page of its contacts (``contacts``
    rows after the contact ``after``), audited in one unit."""
    with one_unit(ctx), ctx.reads_together():
        found = _case(ctx, case_id)
        found["contact_page"] = case_contacts(ctx, case_id, limit=contacts, after=after)
    return found


__all__ = ["case_contacts", "case_record", "get_case", "list_cases"]
