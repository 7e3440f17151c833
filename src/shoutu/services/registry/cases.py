"""Cases as people read them: a list with filters, one case with its contacts and tasks
(every read of a case is audited, as a person's is)."""

from __future__ import annotations

from typing import Any

from shoutu.domain.vocabulary import CaseStatus
from shoutu.errors import NotFound
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.store.repositories import cases as repo
from shoutu.store.repositories import contacts as contacts_repo
from shoutu.store.repositories import tasks as tasks_repo


def list_cases(
    ctx: ServiceContext,
    *,
    status: CaseStatus | None = None,
    region: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Cases, latest report first (``region``: a region code prefix, e.g. a district's)."""
    with ctx.connect() as conn:
        rows = repo.listing(
            conn, status=status.value if status else None, region=region, limit=limit
        )
    with writing(ctx) as unit:
        unit.read("cases", [r["case_id"] for r in rows], pii=False, purpose="case list")
    return rows


def get_case(ctx: ServiceContext, case_id: int) -> dict[str, Any]:
    """One case with its contacts (counts by kind) and its tasks; audited."""
    with ctx.connect() as conn:
        case = repo.get(conn, case_id=case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        contacts = contacts_repo.recorded(conn, index_case_id=case_id)
        tasks = tasks_repo.listing(conn, subject_type="cases", subject_id=str(case_id))
    with writing(ctx) as unit:
        unit.read("cases", [case_id], pii=False, purpose="case record")
    kinds: dict[str, int] = {}
    for _, kind, _, _ in contacts:
        kinds[kind] = kinds.get(kind, 0) + 1
    return {"case": case, "contacts": kinds, "tasks": tasks}


__all__ = ["get_case", "list_cases"]
