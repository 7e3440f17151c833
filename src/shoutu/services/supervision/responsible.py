"""Who is responsible for a task (四方责任), by rules kept as data: the ``responsibilities``
table holds, per task kind (or ``*`` for any kind) and region, the department, unit and
person who answer for that kind of task in that region and below. A task takes the rule of
its kind at the nearest region at or above its subject's region (the community of a
person's home for a quarantine test, the district for an investigation when the rules give
investigations to district CDCs), falling back up the tree when a level has nobody — as
SORMAS falls back from the contact officer to the district, then the region. A kind's own
rule at a level wins over ``*`` at that level; values the opener set itself (a response
plan's department) are kept. The territory (``resp_region``) becomes the rule's region.

``reassign`` re-applies the rules to the tasks still to be done whose subject is a person
(people, cases, control episodes) after their home has changed, audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.regions import parse_region_code
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import measures as measures_repo
from shoutu.store.repositories import people as people_repo
from shoutu.store.repositories import regions as regions_repo
from shoutu.store.repositories import responsibilities as repo
from shoutu.store.repositories import tasks as tasks_repo

ANY = "*"
COLUMNS = ("resp_region", "resp_department", "resp_unit", "resp_person")


@dataclass(frozen=True)
class Rules:
    """The rules and the region tree, loaded once for a unit of work."""

    by_key: Mapping[tuple[str, str], Mapping[str, Any]]
    parents: Mapping[str, str | None]

    @classmethod
    def load(cls, conn: Connection) -> Rules:
        """The rules (and, when there are any, the tree they are looked up in)."""
        found = repo.rules(conn)
        return cls(found, regions_repo.parents(conn) if found else {})

    def rule_for(self, kind: str, region: str | None) -> Mapping[str, Any] | None:
        """The rule of ``kind`` at the nearest region at or above ``region``."""
        seen: set[str] = set()
        while region is not None and region not in seen:
            seen.add(region)
            for key in ((kind, region), (ANY, region)):
                if key in self.by_key:
                    return self.by_key[key]
            region = self.parents.get(region)
        return None

    def assign(self, kind: str, given: Mapping[str, Any]) -> dict[str, Any]:
        """The four columns of a task of ``kind`` whose opener gave ``given`` (its
        ``resp_region`` is the subject's region): the rule's, where the opener left a value
        open; unchanged when no rule applies."""
        rule = self.rule_for(kind, given.get("resp_region"))
        if rule is None:
            return {c: given.get(c) for c in COLUMNS}
        return {
            "resp_region": rule["region_code"],
            "resp_department": given.get("resp_department") or rule["department"],
            "resp_unit": given.get("resp_unit") or rule["unit"],
            "resp_person": given.get("resp_person") or rule["person"],
        }


def _homes(unit: Unit, tasks: list[dict[str, Any]]) -> dict[int, str | None]:
    """{task id: the home region of the person it is about} for tasks about a person."""
    person_of: dict[int, int] = {}
    by_type: dict[str, list[dict[str, Any]]] = {}
    for t in tasks:
        by_type.setdefault(t["subject_type"], []).append(t)
    for t in by_type.get("people", []):
        person_of[int(t["task_id"])] = int(t["subject_id"])
    cases = [int(t["subject_id"]) for t in by_type.get("cases", [])]
    episodes = [int(t["subject_id"]) for t in by_type.get("control_measures", [])]
    rows = {
        "cases": cases_repo.by_ids(unit.conn, case_ids=cases, within=EVERYWHERE),
        "control_measures": measures_repo.by_ids(unit.conn, measure_ids=episodes),
    }
    for kind, found in rows.items():
        for t in by_type.get(kind, []):
            row = found.get(int(t["subject_id"]))
            if row is not None:
                person_of[int(t["task_id"])] = int(row["person_id"])
    homes = people_repo.home_regions(unit.conn, person_ids=sorted(set(person_of.values())))
    return {task: homes.get(person) for task, person in person_of.items()}


def _moved(region: str | None, home: str) -> bool:
    """Whether a person's home lies outside the region a task's parties answer for."""
    if region is None:
        return True
    try:
        return not home.startswith(parse_region_code(region).prefix)
    except ValueError:
        return region != home


def reassign(ctx: ServiceContext) -> dict[str, Any]:
    """Re-apply the rules to the pending tasks about a person, from the person's present home
    (see the module); each change audited. How many were looked at and changed."""
    with writing(ctx, detail="tasks reassigned") as unit:
        rules = Rules.load(unit.conn)
        tasks = tasks_repo.pending(unit.conn)
        homes = _homes(unit, tasks)
        changed = []
        for t in tasks:
            task_id = int(t["task_id"])
            home = homes.get(task_id)
            if home is None or not _moved(t["resp_region"], home):
                continue  # still where its parties answer for
            before = {c: t[c] for c in COLUMNS}
            if rules.rule_for(str(t["kind"]), home) is None:
                now = {**before, "resp_region": home}  # no rule there: the same parties
            else:
                now = rules.assign(str(t["kind"]), {"resp_region": home})
            if now == before:
                continue
            tasks_repo.change(unit.conn, task_id=task_id, values={**now, **unit.touch})
            unit.updated("tasks", task_id, before, now, detail="reassigned: the subject moved")
            changed.append(task_id)
    return {"pending": len(tasks), "about_people": len(homes), "changed": changed}


__all__ = ["ANY", "Rules", "reassign"]
