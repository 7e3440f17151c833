"""Help requests (emergency-response issue): deadlines by severity from the protocol's table,
escalation community → town → district → city at the moment each deadline passed (fixed
clocks), every step in the history and the audit trail, the episode and area behind a request,
the encrypted note, refusals for supervision, the hotline import's bad rows by row and field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.domain.vocabulary import HelpCategory, HelpStatus, RegionLevel
from shoutu.errors import BadRequest, InputError, InvalidTransition, NotFound
from shoutu.protocols.loader import ProtocolRegistry
from shoutu.rules.help_requests import Clock, deadline, escalations
from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext
from shoutu.services.control.areas import approve_areas, propose_areas
from shoutu.services.control.help_import import import_requests
from shoutu.services.control.help_requests import (
    NewRequest,
    add_request,
    assign,
    escalate_run,
    refusal,
    triage,
    update,
)
from shoutu.services.control.help_views import get_request, list_requests, summary
from shoutu.services.registry.imports.specs import import_file
from shoutu.store.tables import HelpRequest, table

RULES = ProtocolRegistry().load("cn-9th-2022").help_requests
assert RULES is not None
TZ = dt.timezone(dt.timedelta(hours=8))
COMMUNITY, TOWN, DISTRICT, CITY = "310101002001", "310101002000", "310101000000", "310100000000"
BUILDING = "3101010020010001"
REGIONS = (
    "code,name_zh,name_en\n310000000000,上海市,Shanghai\n310100000000,市辖区,Districts\n"
    f"{DISTRICT},黄浦区,Huangpu\n{TOWN},南京东路街道,Nanjing East Road\n"
    f"{COMMUNITY},贵州路社区,Guizhou Road\n{BUILDING},1号楼,Building 1\n"
)
PEOPLE = "person_id,name,sex,home_region_code\n" + "".join(
    f"{p},Person {p},female,{BUILDING}\n" for p in range(1, 5)
)


def _at(hour: float, day: int = 1) -> dt.datetime:
    return dt.datetime(2022, 7, day, tzinfo=TZ) + dt.timedelta(hours=hour)


@pytest.fixture
def town(ctx: ServiceContext, tmp_path: Path) -> ServiceContext:
    for kind, text in (("regions", REGIONS), ("people", PEOPLE)):
        (tmp_path / f"{kind}.csv").write_text(text)
        import_file(ctx, kind, tmp_path / f"{kind}.csv")
    return ctx


def _request(ctx: ServiceContext, hour: float, **values: object) -> int:
    base: dict[str, object] = {"category": HelpCategory.FOOD, "person_id": 1}
    request = NewRequest(received_time=_at(hour), **{**base, **values})  # type: ignore[arg-type]
    return int(add_request(ctx, request)["request_id"])


# -- the rule ------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    severity=st.sampled_from([None, 1, 2, 3, 4]),
    first=st.floats(0, 200),
    more=st.floats(0, 200),
)
def test_escalations_do_not_depend_on_when_the_run_happens(
    severity: int | None, first: float, more: float
) -> None:
    """Runs at t1 then t2 make the same escalations as one run at t2; each is dated when the
    deadline before it passed, never beyond the last level."""
    start = Clock(0, _at(0), severity)
    once = escalations(RULES, start, _at(first + more))
    early = escalations(RULES, start, _at(first))
    later = escalations(RULES, early[-1] if early else start, _at(first + more))
    assert early + later == once
    previous = start
    for step in once:
        assert step.level == previous.level + 1 and step.started == deadline(RULES, previous)
        previous = step
    assert len(once) <= len(RULES.escalation) - 1


def test_deadlines_by_severity_come_from_the_protocol() -> None:
    hours = {s: RULES.deadlines[s].hours for s in (1, 2, 3, 4)}
    assert hours == {1: 0.5, 2: 2, 3: 24, 4: 72} and RULES.proposal
    assert RULES.deadlines[1].dispatch_now and RULES.deadlines[1].met_by == HelpStatus.IN_PROGRESS
    assert deadline(RULES, Clock(0, _at(10), 2)) == _at(12)
    assert deadline(RULES, Clock(0, _at(10), None)) == _at(10.5)  # not triaged: 30 minutes
    assert ProtocolRegistry().load("who-2021").help_requests is None


# -- the workflow --------------------------------------------------------------------------------


def test_escalation_at_the_right_time_level_by_level(town: ServiceContext) -> None:
    request = _request(town, 10, severity=2)  # health-threatening: due 12:00
    found = get_request(town, request)
    assert (found["status"], found["level"], found["resp_region"]) == (
        "triaged",
        "community",
        COMMUNITY,
    )
    assert found["due_time"] == _at(12)
    assert escalate_run(town, at=_at(11, 1) + dt.timedelta(minutes=59)) == []
    (first,) = escalate_run(town, at=_at(12))
    assert (first.to_level, first.at, first.region) == (RegionLevel.TOWN, _at(12), TOWN)
    found = get_request(town, request)
    assert (found["status"], found["level"], found["resp_region"], found["due_time"]) == (
        "escalated",
        "town",
        TOWN,
        _at(14),
    )
    # a late run dates each escalation when its deadline passed; the city is the last level
    late = escalate_run(town, at=_at(30))
    assert [(e.to_level, e.at, e.region) for e in late] == [
        (RegionLevel.DISTRICT, _at(14), DISTRICT),
        (RegionLevel.CITY, _at(16), CITY),
    ]
    assert escalate_run(town, at=_at(40)) == []
    listed = list_requests(town, overdue_only=True, at=_at(40))
    assert [r["request_id"] for r in listed] == [request] and listed[0]["level"] == "city"
    steps = get_request(town, request)["steps"]
    assert [(s["action"], s["level"]) for s in steps] == [
        ("received", "community"),
        ("triaged", "community"),
        ("escalated", "town"),
        ("escalated", "district"),
        ("escalated", "city"),
    ]
    trail = [e for e in recent(town, entity="help_requests", limit=100) if e["action"] == "update"]
    assert len(trail) == 2  # one audited change per run that escalated
    # the city's worker takes it on and resolves it: no longer overdue
    assign(town, request, worker="city duty officer", at=_at(41))
    update(town, request, status=HelpStatus.RESOLVED, outcome="food delivered", at=_at(42))
    assert list_requests(town, overdue_only=True, at=_at(50)) == []


def test_a_life_threatening_request_is_met_when_acknowledged(town: ServiceContext) -> None:
    acted = _request(town, 10, category=HelpCategory.OBSTETRIC, severity=1)
    missed = _request(town, 10, category=HelpCategory.DIALYSIS, severity=1)
    found = get_request(town, acted)
    assert found["dispatch_now"] and found["never_waits_on_test"]
    assign(town, acted, worker="W1", at=_at(10.1))
    update(town, acted, status=HelpStatus.IN_PROGRESS, at=_at(10.4))  # within 30 minutes
    done = escalate_run(town, at=_at(11))
    assert [(e.request_id, e.to_level, e.at) for e in done] == [
        (missed, RegionLevel.TOWN, _at(10.5)),
        (missed, RegionLevel.DISTRICT, _at(11)),
    ]
    assert get_request(town, acted)["met_time"] == _at(10.4)


def test_untriaged_requests_escalate_and_triage_restarts_the_clock(town: ServiceContext) -> None:
    request = _request(town, 8)  # no severity: to be triaged within 30 minutes
    assert get_request(town, request)["status"] == "received"
    (step,) = escalate_run(town, at=_at(8.75))
    assert (step.to_level, step.at) == (RegionLevel.TOWN, _at(8.5))
    found = triage(town, request, severity=3, at=_at(9), worker="town duty officer")
    assert (found["level"], found["due_time"], found["resp_person"]) == (
        "town",
        _at(33),
        "town duty officer",
    )
    assert escalate_run(town, at=_at(32)) == []


def test_moves_are_checked_and_bad_values_refused(town: ServiceContext) -> None:
    request = _request(town, 10, severity=4)
    update(town, request, status=HelpStatus.CANCELLED, outcome="asked twice", at=_at(11))
    with pytest.raises(InvalidTransition, match="cancelled"):
        update(town, request, status=HelpStatus.IN_PROGRESS, at=_at(12))
    with pytest.raises(BadRequest, match="severity"):
        triage(town, _request(town, 10), severity=5)
    with pytest.raises(BadRequest, match="before the request was received"):
        assign(town, _request(town, 10, severity=3), worker="W", at=_at(9))
    with pytest.raises(BadRequest, match="region"):
        add_request(town, NewRequest(HelpCategory.FOOD, _at(1)))
    with pytest.raises(BadRequest, match="region"):
        add_request(town, NewRequest(HelpCategory.FOOD, _at(1), region_code="123"))
    with pytest.raises(NotFound, match="no person 99"):
        add_request(town, NewRequest(HelpCategory.FOOD, _at(1), person_id=99))
    with pytest.raises(BadRequest, match="future"):
        update(town, request, status=HelpStatus.RESOLVED, at=dt.datetime(2099, 1, 1, tzinfo=TZ))


def test_a_late_step_first_applies_the_escalations_it_missed(town: ServiceContext) -> None:
    """Resolving after a deadline records the escalation the deadline called for, whether or
    not a run happened in between: the history does not depend on when runs happen."""
    request = _request(town, 10, severity=2)  # due 12:00
    update(town, request, status=HelpStatus.RESOLVED, outcome="done", at=_at(13))
    steps = get_request(town, request)["steps"]
    assert [(s["action"], s["time"]) for s in steps][-2:] == [
        ("escalated", _at(12)),
        ("resolved", _at(13)),
    ]
    assert escalate_run(town, at=_at(30)) == []


def test_context_note_refusals_and_summary(town: ServiceContext, tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "case_id,person_id,classification,origin,channel,found_in_control,report_time,protocol\n"
        "1,1,confirmed,local,fever_clinic,false,2022-06-30T08:00,cn-9th-2022\n"
    )
    import_file(town, "cases", cases)
    propose_areas(town, dt.date(2022, 6, 30))
    (area,) = approve_areas(town, [], every=True, effective=None, measure=None)
    request = _request(
        town, 10, person_id=2, category=HelpCategory.DIALYSIS, severity=2, note="王女士 13800138000"
    )
    found = get_request(town, request)
    assert found["area_id"] == area["area_id"] and found["measure_id"] is not None
    assert found["note"] == "[hidden]"
    with town.connect() as conn:
        stored = conn.execute(select(table(HelpRequest).c.note_enc)).scalar_one()
    assert b"13800138000" not in stored
    with pytest.raises(BadRequest, match="purpose"):
        get_request(town, request, reveal=True)
    shown = get_request(town, request, reveal=True, purpose="call back the asker about dialysis")
    assert shown["note"] == "王女士 13800138000"
    assert any(e["action"] == "read_pii" for e in recent(town, entity="help_requests"))
    refusal(town, request, facility="某医院", reason="no 24-hour test result", at=_at(10.5))
    update(town, request, status=HelpStatus.RESOLVED, at=_at(11.5))
    _request(town, 10, person_id=3, category=HelpCategory.DIALYSIS, severity=2)  # stays open
    found = summary(town, at=_at(20), level=RegionLevel.DISTRICT)
    assert found["regions"] == [{"region_code": DISTRICT, "received": 2, "open": 1, "overdue": 1}]
    assert found["refusals"] == [{"facility": "某医院", "count": 1}]
    dialysis = next(c for c in found["categories"] if c["category"] == "dialysis")
    assert (dialysis["resolved"], dialysis["median_hours_to_resolution"]) == (1, 1.5)


def test_hotline_import_all_or_nothing(town: ServiceContext, tmp_path: Path) -> None:
    header = "source_ref,received_time,category,severity,person_id,region_code,vulnerable,note\n"
    good = tmp_path / "log.csv"
    good.write_text(
        header + "H1,2022-07-01T09:00,food,3,1,,elderly_alone,\n"
        f"H2,2022-07-01T09:30,dialysis,,,{COMMUNITY},,needs a session tomorrow\n"
    )
    result = import_requests(town, good)
    assert (result.recorded, result.unchanged, result.triaged) == (2, 0, 1)
    (first,) = [r for r in list_requests(town, at=_at(100, day=3)) if r["source_ref"] == "H2"]
    triage(town, first["request_id"], severity=2, at=_at(9.75))  # triage does not change the row
    again = import_requests(town, good)
    assert (again.recorded, again.unchanged) == (0, 2)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        header + "H3,2022-07-01T09:00,food,5,1,,,\n"  # severity 5
        "H4,2022-07-01T09:00,groceries,3,1,,,\n"  # unknown category
        "H5,2022-07-01T09:00,food,3,99,,,\n"  # unknown person
        "H6,2022-07-01T09:00,food,3,,,,\n"  # no person nor region
        "H1,2022-07-01T10:00,food,3,1,,,\n"  # a stored id with another time
        "H7,2030-01-01T09:00,food,3,1,,,\n"  # in the future
        "H8,2022-07-01T09:00,food,3,1,,astronaut,\n"  # unknown group
    )
    with pytest.raises(InputError) as caught:
        import_requests(town, bad, allow_dates=True)
    problems = {(p.row, p.field) for p in caught.value.report.problems}
    assert problems >= {
        (1, "severity"),
        (2, "category"),
        (3, "person_id"),
        (4, "person_id"),
        (5, "received_time"),
        (6, "received_time"),
        (7, "vulnerable"),
    }
    assert len(list_requests(town, at=_at(100, day=3))) == 2  # nothing of the bad file


def test_cli_requests(town: ServiceContext, cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["requests", "add", "--category", "food", "--person", "1", "--severity", "3",
         "--received", "2022-07-01T10:00", "--json"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    request = json.loads(added.stdout)["request_id"]
    run = runner.invoke(app, ["requests", "escalate-run", "--at", "2022-07-02T10:00", "--json"])
    assert [e["to_level"] for e in json.loads(run.stdout)["escalated"]] == ["town"]
    bad = runner.invoke(app, ["requests", "update", str(request), "--status", "received"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    done = runner.invoke(app, ["requests", "update", str(request), "--status", "resolved"])
    assert done.exit_code == 0, done.output
    again = runner.invoke(app, ["requests", "update", str(request), "--status", "in_progress"])
    assert again.exit_code == 5 and "resolved" in again.output
    listed = runner.invoke(app, ["requests", "list", "--open", "--json"])
    assert json.loads(listed.stdout)["requests"] == []


def test_the_list_pages_through_open_and_overdue_requests_once(town: ServiceContext) -> None:
    """Pages of two: each open request once, in id order; overdue-only reads on past the
    requests that are not overdue until a page is full or none is left."""
    ids = [_request(town, hour) for hour in (0, 1, 2, 3, 4)]
    update(town, ids[0], status=HelpStatus.CANCELLED, at=_at(0.5))
    later = _at(30)
    whole = list_requests(town, open_only=True, at=later)
    assert [r["request_id"] for r in whole] == ids[1:]
    pages, after = [], None
    while page := list_requests(town, open_only=True, at=later, limit=2, after=after):
        pages.append([r["request_id"] for r in page])
        after = page[-1]["request_id"]
    assert pages == [ids[1:3], ids[3:5]]
    at = _at(4.5)  # the first request is cancelled, not overdue: a page of one reads on
    late = [r["request_id"] for r in list_requests(town, overdue_only=True, at=at)]
    assert late and late[0] != ids[0]
    first = list_requests(town, overdue_only=True, at=at, limit=1)
    assert [r["request_id"] for r in first] == late[:1]
    rest = list_requests(town, overdue_only=True, at=at, limit=10, after=late[0])
    assert [r["request_id"] for r in rest] == late[1:]
