"""Control episodes as people read them: ``control list`` (in the caller's jurisdiction,
audited, in their JSON form with local times) and the count in force by stage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shoutu.domain.timeutil import zone
from shoutu.domain.vocabulary import ControlKind, ControlStatus
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.guard import may_list
from shoutu.store.repositories import measures as repo


def _iso(value: Any, tz: str) -> str | None:
    if value is None:
        return None
    stamp = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return stamp.astimezone(zone(tz)).isoformat()


def as_json(row: dict[str, Any], tz: str) -> dict[str, Any]:
    """An episode as ``control list --json`` shows it (times in the local zone, with offset)."""
    return {
        "episode_id": row["measure_id"],
        "person_id": row["person_id"],
        "kind": str(row["kind"]),
        "reason": row["reason"],
        "status": str(row["status"]),
        "site": row["site"],
        "site_id": row.get("site_id"),
        "start": _iso(row["start_time"], tz),
        "planned_end": _iso(row["planned_end_time"], tz),
        "previous_planned_end": _iso(row["previous_planned_end_time"], tz),
        "end": _iso(row["end_time"], tz),
        "stages": [
            {
                "kind": s["kind"],
                "start": _iso(s["start"], tz),
                "planned_end": _iso(s["planned_end"], tz),
                "test_days": list(s["test_days"]),
            }
            for s in row["stages"] or []
        ],
    }


def list_episodes(
    ctx: ServiceContext,
    *,
    status: ControlStatus | None = None,
    kind: ControlKind | None = None,
    person_id: int | None = None,
    limit: int | None = None,
    after: int | None = None,
) -> list[dict[str, Any]]:
    """Episodes of people in the caller's jurisdiction, oldest first, filtered (``limit``
    after the episode ``after``), in their JSON form; the read is audited."""
    may_list(ctx, "control_measures")
    with ctx.connect() as conn:
        rows = repo.listing(
            conn,
            within=ctx.principal.view,
            status=status.value if status else None,
            kind=kind.value if kind else None,
            person_id=person_id,
            limit=limit,
            after=after,
        )
    with writing(ctx) as unit:
        unit.listed("control_measures", [r["measure_id"] for r in rows], purpose="episode list")
    return [as_json(r, ctx.settings.timezone) for r in rows]


def in_force_by_kind(ctx: ServiceContext, at: dt.datetime) -> dict[str, int]:
    """Episodes in force at ``at``, by the kind of the stage they are in (the situation's
    count)."""
    with ctx.connect() as conn:
        counts = repo.active_counts(conn, at=at, within=ctx.principal.view)
    return dict(sorted(counts.items()))


__all__ = ["as_json", "in_force_by_kind", "list_episodes"]
