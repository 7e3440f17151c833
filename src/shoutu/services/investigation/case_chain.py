"""A case's transmission chain as tracing recorded it (for the case page's graph): the cases
whose person was a recorded contact of it (each such person's first case reported after it),
the cases it was a recorded contact of, and so on ``depth`` steps out, within the caller's
jurisdiction — a case outside it is not drawn, nor anything beyond it. The likely infector is
the latest case reported before this one whose contact it was."""

from __future__ import annotations

from typing import Any

from shoutu.domain.timeutil import local_date
from shoutu.domain.vocabulary import Right
from shoutu.errors import NotFound
from shoutu.services.audit import reading
from shoutu.services.context import ServiceContext
from shoutu.services.guard import refusals, require
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import contacts as contacts_repo

DEPTH = 2
MOST = 200  # nodes drawn at most


def case_chain(
    ctx: ServiceContext, case_id: int, *, depth: int = DEPTH, most: int = MOST
) -> dict[str, Any]:
    """``{"case_id", "infector", "nodes": [...], "edges": [{"source", "target", "setting"}]}``
    (see the module); the cases read are audited."""
    view = ctx.principal.view
    with refusals(ctx, "cases", case_id):
        require(ctx, Right.VIEW_CASES)
        with ctx.connect() as conn:
            root = cases_repo.get(conn, case_id=case_id, within=view)
            if root is None:
                raise NotFound(f"no case {case_id}")
            nodes = {case_id: root}
            edges: dict[tuple[int, int], str] = {}
            frontier = [root]
            for _ in range(depth):
                if not frontier or len(nodes) >= most:
                    break
                by_person = {int(c["person_id"]): c for c in frontier}
                by_id = {int(c["case_id"]): c for c in frontier}
                links = contacts_repo.links(
                    conn, index_case_ids=sorted(by_id), person_ids=sorted(by_person)
                )
                index_ids = sorted({int(r["index_case_id"]) for r in links} - set(nodes))
                indexes = cases_repo.by_ids(conn, case_ids=index_ids, within=view)
                onward = cases_repo.of_people(
                    conn,
                    person_ids=sorted({int(r["person_id"]) for r in links}),
                    within=view,
                )
                found: list[dict[str, Any]] = []
                for r in links:
                    index, person = int(r["index_case_id"]), int(r["person_id"])
                    setting = str(r["setting"])
                    if index in by_id and person != int(by_id[index]["person_id"]):
                        after = by_id[index]["report_time"]  # the contact's first case after
                        later = [c for c in onward if c["person_id"] == person]
                        later = [c for c in later if c["report_time"] > after]
                        if later:
                            edges[(index, int(later[0]["case_id"]))] = setting
                            found.append(later[0])
                    if person in by_person and index in indexes | nodes:
                        source = indexes.get(index) or nodes[index]
                        if source["report_time"] < by_person[person]["report_time"]:
                            edges[(index, int(by_person[person]["case_id"]))] = setting
                            found.append(source)
                frontier = []
                for c in found:
                    if int(c["case_id"]) not in nodes and len(nodes) < most:
                        nodes[int(c["case_id"])] = c
                        frontier.append(c)
            infector = contacts_repo.traced_source(conn, case_id=case_id, within=view)
    edges = {k: v for k, v in edges.items() if k[0] in nodes and k[1] in nodes}
    with reading(ctx) as unit:
        unit.read("cases", sorted(nodes), pii=False, purpose=f"chain of case {case_id}")
    tz = ctx.settings.timezone
    return {
        "case_id": case_id,
        "infector": infector,
        "nodes": [
            {
                "case_id": i,
                "classification": str(c["classification"]),
                "report_date": local_date(c["report_time"], tz).isoformat(),
                "region_code": c["region_code"],
            }
            for i, c in sorted(nodes.items())
        ],
        "edges": [
            {"source": s, "target": t, "setting": setting}
            for (s, t), setting in sorted(edges.items())
        ],
    }


__all__ = ["case_chain"]
