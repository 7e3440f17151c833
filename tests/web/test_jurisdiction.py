"""Jurisdiction in the repositories: for every role, users scoped to one of two sibling
districts succeed on nothing of the other district — no list shows its records, every detail
is 404 (403 without the right), every write fails — revealing personal data without a purpose
fails, and every attempt is audited with the real user."""

from __future__ import annotations

from typing import Any

from shoutu.domain.access import ROLE_RIGHTS
from shoutu.domain.vocabulary import Right, Role
from shoutu.services.audit import recent
from webworld import DISTRICTS, UNDER_CONTROL, World


def _records(world: World) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """district → {"cases" | "tasks" | "signals": rows}, read as an admin of the city."""
    from shoutu.domain.access import EVERYWHERE, Principal

    city = world.ctx.acting_as(
        Principal(name="city-admin", rights=ROLE_RIGHTS[Role.ADMIN], view=EVERYWHERE)
    )
    from shoutu.services.control.help_views import list_requests
    from shoutu.services.registry.cases import list_cases
    from shoutu.services.supervision.task_list import list_tasks
    from shoutu.services.surveillance.signals import list_signals

    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for district in DISTRICTS:
        prefix = district[:6]
        found[district] = {
            "cases": [
                c for c in list_cases(city, limit=None) if c["region_code"].startswith(prefix)
            ],
            "tasks": [
                t
                for t in list_tasks(city, limit=None)
                if (t["resp_region"] or "").startswith(prefix)
            ],
            "signals": [
                s for s in list_signals(city, limit=None) if s["region"].startswith(prefix)
            ],
            "help": [r for r in list_requests(city) if r["region_code"].startswith(prefix)],
        }
        assert all(found[district].values()), district  # something to reach for in each
    return found


def test_no_user_reaches_the_other_district(world: World) -> None:
    records = _records(world)
    etags = {}
    admin = world.ctx
    from shoutu.services.supervision.task_list import get_task
    from shoutu.web.api import etag

    for rows in records.values():
        for task in rows["tasks"]:
            etags[task["task_id"]] = etag(get_task(admin, task["task_id"]))
    successes: list[tuple[str, str, str]] = []
    for own, other in (tuple(DISTRICTS), tuple(reversed(list(DISTRICTS)))):
        theirs = records[other]
        their_people = {c["person_id"] for c in theirs["cases"]}
        for role in Role:
            name = world.user(role, own)
            client = world.client(name)
            rights = ROLE_RIGHTS[role]
            before = len(_denials(world, name))
            refused = 0

            def check(label: str, status: int, ok: bool, name: str = name) -> None:
                nonlocal refused
                refused += status >= 400
                if ok:
                    successes.append((name, label, str(status)))

            for kind, key in (("cases", "case_id"), ("tasks", "task_id"), ("signals", "signal_id")):
                answer = client.get(f"/api/v1/{kind}", params={"limit": 500})
                shown = (
                    {r[key] for r in answer.json().get("items", [])}
                    if answer.status_code == 200
                    else set()
                )
                check(
                    f"list {kind}", answer.status_code, bool(shown & {r[key] for r in theirs[kind]})
                )
                if Right.VIEW_CASES in rights:
                    assert answer.status_code == 200 and shown == {
                        r[key] for r in records[own][kind]
                    }
                else:
                    assert answer.status_code == 403
                if kind == "cases":
                    filtered = client.get("/api/v1/cases", params={"region": other[:6]})
                    check(
                        "list cases of the other district",
                        filtered.status_code,
                        bool(filtered.status_code == 200 and filtered.json()["items"]),
                    )
                for row in theirs[kind][:3]:
                    detail = client.get(f"/api/v1/{kind}/{row[key]}")
                    check(f"{kind} {row[key]}", detail.status_code, detail.status_code < 400)
                    assert detail.status_code == (404 if Right.VIEW_CASES in rights else 403)
                    for part in ("contacts", "chain") if kind == "cases" else ():
                        seen = client.get(f"/api/v1/cases/{row[key]}/{part}")
                        check(f"case {row[key]} {part}", seen.status_code, seen.status_code < 400)
                        assert seen.status_code == (404 if Right.VIEW_CASES in rights else 403)
            for person in sorted(their_people):
                detail = client.get(f"/api/v1/people/{person}")
                check(f"person {person}", detail.status_code, detail.status_code < 400)
                revealed = client.get(
                    f"/api/v1/people/{person}",
                    params={"reveal": True, "purpose": "contact tracing of a case there"},
                )
                check(f"reveal {person}", revealed.status_code, revealed.status_code < 400)
            for task in theirs["tasks"][:2]:
                changed = client.patch(
                    f"/api/v1/tasks/{task['task_id']}",
                    json={"reply": "not mine"},
                    headers={"If-Match": etags[task["task_id"]]},
                )
                check(
                    f"update task {task['task_id']}", changed.status_code, changed.status_code < 400
                )
            for signal in theirs["signals"][:2]:
                step = client.post(
                    f"/api/v1/signals/{signal['signal_id']}/steps", json={"status": "verifying"}
                )
                check(
                    f"step signal {signal['signal_id']}", step.status_code, step.status_code < 400
                )
            # episodes and help requests: lists without theirs, details and steps refused
            for path, key in (
                ("/api/v1/episodes", "episodes"),
                ("/api/v1/help-requests", "requests"),
            ):
                answer = client.get(path)
                rows = answer.json().get(key, []) if answer.status_code == 200 else []
                theirs_shown = any(r["person_id"] == UNDER_CONTROL[other] for r in rows)
                check(path, answer.status_code, theirs_shown)
            for request_id in [r["request_id"] for r in theirs["help"]]:
                detail = client.get(f"/api/v1/help-requests/{request_id}")
                check(f"help {request_id}", detail.status_code, detail.status_code < 400)
                step = client.post(
                    f"/api/v1/help-requests/{request_id}/steps",
                    json={"action": "assign", "worker": "x"},
                )
                check(f"help step {request_id}", step.status_code, step.status_code < 400)
            # the pages and the worker's round: nothing of the other district either
            for row in theirs["cases"][:2]:
                page = client.get(f"/cases/{row['case_id']}")
                check(f"case page {row['case_id']}", page.status_code, page.status_code < 400)
            round_ = client.get("/api/v1/checks/round")
            listed = (
                {p["person_id"] for p in round_.json().get("people", [])}
                if round_.status_code == 200
                else set()
            )
            check(
                "round",
                round_.status_code,
                bool(listed & their_people | listed & {UNDER_CONTROL[other]}),
            )
            # revealing one's own people without a purpose fails too
            mine = records[own]["cases"][0]["person_id"]
            bare = client.get(f"/api/v1/people/{mine}", params={"reveal": True})
            check("reveal without purpose", bare.status_code, bare.status_code < 400)
            assert bare.status_code in (400, 403)
            # every refused attempt left a "denied" audit event with the real user (a list
            # filtered to the other district answers nothing, audited as a read)
            assert len(_denials(world, name)) - before == refused, (name, refused)
    assert successes == []


def _denials(world: World, name: str) -> list[dict[str, Any]]:
    return [e for e in recent(world.ctx, actor=name, limit=100_000) if e["action"] == "denied"]
