"""The API's routes: logins (bearer and cookie, CSRF, lockout, logout), lists paged by opaque
cursors, details, ETag / If-Match on task updates, signal steps, personal data revealed only
with a right and a purpose, the public endpoints without login, problem+json errors and the
security headers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shoutu.domain.vocabulary import Role
from shoutu.services.audit import recent
from webworld import PASSWORD, World

HUANGPU, XUHUI = "310101000000", "310104000000"


def test_no_credentials_is_401_problem_never_a_redirect(world: World) -> None:
    anonymous = world.client()
    for path in ("/api/v1/cases", "/api/v1/tasks", "/api/v1/signals", "/api/v1/people/1001"):
        answer = anonymous.get(path, follow_redirects=False)
        assert answer.status_code == 401, path
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "unauthenticated"
        assert answer.headers["www-authenticate"].startswith("Bearer")
    bad = anonymous.get("/api/v1/cases", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    # a page asks to log in instead
    page = anonymous.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_login_logout_and_the_cookie_with_its_csrf_token(world: World) -> None:
    name = world.user(Role.EPIDEMIOLOGIST)
    browser = world.client()
    answer = browser.post("/api/v1/session", json={"username": name, "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.json()
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and body["token"] in cookie
    assert body["role"] == "epidemiologist" and body["username"] == name
    assert browser.get("/api/v1/cases").status_code == 200  # the cookie alone reads
    # a state-changing call with the cookie needs the CSRF token
    refused = browser.delete("/api/v1/session")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    wrong = browser.delete("/api/v1/session", headers={"X-CSRF-Token": "0" * 40})
    assert wrong.status_code == 403
    out = browser.delete("/api/v1/session", headers={"X-CSRF-Token": body["csrf_token"]})
    assert out.status_code == 204
    browser.cookies.set("shoutu_session", body["token"])
    assert browser.get("/api/v1/cases").status_code == 401  # the session has ended
    api = world.client()
    assert (
        api.get("/api/v1/cases", headers={"Authorization": f"Bearer {body['token']}"}).status_code
        == 401
    )
    actions = [e["action"] for e in recent(world.ctx, actor=name, limit=500)]
    assert actions.count("login") == 1 and actions.count("logout") == 1


def test_wrong_passwords_lock_the_user_out(world: World) -> None:
    name = world.user(Role.OBSERVER)
    client = world.client()
    for _ in range(world.ctx.settings.login_max_failures):
        wrong = client.post("/api/v1/session", json={"username": name, "password": "nope nope"})
        assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong username or password"
    locked = client.post("/api/v1/session", json={"username": name, "password": PASSWORD})
    assert locked.status_code == 401 and locked.json()["detail"] == "wrong username or password"
    unknown = client.post("/api/v1/session", json={"username": "ghost", "password": PASSWORD})
    assert unknown.status_code == 401 and unknown.json()["detail"] == "wrong username or password"
    failed = [
        e for e in recent(world.ctx, entity="users", limit=500) if e["action"] == "login_failed"
    ]
    assert len(failed) == world.ctx.settings.login_max_failures + 2
    assert {e["detail"] for e in failed} >= {
        "wrong password; locked out",
        "locked out",
        "unknown user",
    }
    # the password is never in the trail
    assert PASSWORD not in json.dumps(recent(world.ctx, limit=1000), default=str)


def test_lists_page_through_every_row_in_scope_once(world: World) -> None:
    client = world.client(world.user(Role.EPIDEMIOLOGIST))
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        answer = client.get(
            "/api/v1/cases", params={"limit": 7, **({"cursor": cursor} if cursor else {})}
        )
        assert answer.status_code == 200
        page = answer.json()
        seen += [c["case_id"] for c in page["items"]]
        pages += 1
        cursor = page.get("next_cursor")
        if cursor is None:
            break
    everything = (
        world.client(world.user(Role.ADMIN))
        .get("/api/v1/cases", params={"limit": 500})
        .json()["items"]
    )
    mine = [c["case_id"] for c in everything if c["region_code"].startswith("310101")]
    assert seen == mine and len(set(seen)) == len(seen) and pages == -(-len(mine) // 7)
    times = [c["report_time"] for c in everything if c["case_id"] in set(seen)]
    assert times == sorted(times, reverse=True)
    bad = client.get("/api/v1/cases", params={"cursor": "bm90IGEgY3Vyc29y"})
    assert bad.status_code == 400 and bad.json()["parameters"] == ["cursor"]
    tasks = client.get("/api/v1/tasks", params={"limit": 1})
    assert tasks.status_code == 200 and tasks.json()["next_cursor"]
    second = client.get("/api/v1/tasks", params={"limit": 1, "cursor": tasks.json()["next_cursor"]})
    assert second.json()["items"][0]["task_id"] > tasks.json()["items"][0]["task_id"]


def test_task_updates_need_the_current_etag(world: World) -> None:
    client = world.client(world.user(Role.EPIDEMIOLOGIST))
    task = client.get("/api/v1/tasks").json()["items"][0]
    shown = client.get(f"/api/v1/tasks/{task['task_id']}")
    tag = shown.headers["etag"]
    missing = client.patch(f"/api/v1/tasks/{task['task_id']}", json={"reply": "on it"})
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    done = client.patch(
        f"/api/v1/tasks/{task['task_id']}",
        json={"status": "in_progress"},
        headers={"If-Match": tag},
    )
    assert done.status_code == 200 and done.json()["status"] == "in_progress"
    assert done.headers["etag"] != tag
    stale = client.patch(
        f"/api/v1/tasks/{task['task_id']}", json={"reply": "again"}, headers={"If-Match": tag}
    )
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    bad = client.patch(
        f"/api/v1/tasks/{task['task_id']}",
        json={"priority": 9},
        headers={"If-Match": done.headers["etag"]},
    )
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "priority"


def test_signal_steps_follow_the_workflow(world: World) -> None:
    client = world.client(world.user(Role.EPIDEMIOLOGIST))
    signal = client.get("/api/v1/signals").json()["items"][0]
    path = f"/api/v1/signals/{signal['signal_id']}/steps"
    assert client.post(path, json={"status": "verifying"}).json()["status"] == "verifying"
    wrong = client.post(path, json={"status": "new"})
    assert wrong.status_code == 409 and wrong.json()["code"] == "invalid_transition"
    observer = world.client(world.user(Role.OBSERVER))
    refused = observer.post(path, json={"status": "investigating"})
    assert refused.status_code == 403
    assert client.get(f"/api/v1/signals/{signal['signal_id']}").json()["status"] == "verifying"


def test_personal_data_needs_a_right_and_a_purpose(world: World) -> None:
    epi = world.client(world.user(Role.EPIDEMIOLOGIST))
    masked = epi.get("/api/v1/people/1001").json()
    assert masked["masked"] and masked["id_number"] == "310***********0114"
    no_purpose = epi.get("/api/v1/people/1001", params={"reveal": True})
    assert no_purpose.status_code == 400 and no_purpose.json()["parameters"] == ["purpose"]
    purpose = "contact tracing of case 12"
    shown = epi.get("/api/v1/people/1001", params={"reveal": True, "purpose": purpose}).json()
    assert shown["id_number"] == "310101198001010114" and not shown["masked"]
    observer = world.client(world.user(Role.OBSERVER))
    refused = observer.get("/api/v1/people/1001", params={"reveal": True, "purpose": purpose})
    assert refused.status_code == 403
    trail = recent(world.ctx, entity="people", entity_id="1001", limit=50)
    reads = [(e["actor"], e["action"], e["detail"]) for e in trail]
    assert (world.user(Role.EPIDEMIOLOGIST), "read_pii", purpose) in reads
    assert any(a == world.user(Role.OBSERVER) and act == "denied" for a, act, _ in reads)


def test_public_endpoints_need_no_login_and_show_no_person(world: World) -> None:
    anonymous = world.client()
    bulletin = anonymous.get("/api/v1/public/bulletin", params={"date": "2022-03-16"})
    assert bulletin.status_code == 200
    figures = bulletin.json()
    assert figures["new_infections"]["local"] == 18  # 9 in each district that day
    shape = anonymous.get("/api/v1/public/map", params={"date": "2022-03-16"}).json()
    assert {f["id"]: f["properties"]["local"] for f in shape["features"]} == {HUANGPU: 9, XUHUI: 9}
    assert shape["areas"] == [] and set(shape["labels"]) == {"levels", "measures"}
    areas = anonymous.get("/api/v1/public/risk-areas", params={"date": "2022-03-16"})
    assert areas.status_code == 200 and areas.json()["areas"] == []
    text = bulletin.text + json.dumps(shape)
    assert "1380013" not in text and "张" not in text and "310101198001010114" not in text
    bad = anonymous.get("/api/v1/public/bulletin", params={"date": "16/03/2022"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_errors_and_headers(world: World) -> None:
    client = world.client(world.user(Role.ADMIN))
    missing = client.get("/api/v1/nowhere")
    assert (
        missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    )
    method = client.put("/api/v1/cases")
    assert method.status_code == 405 and "GET" in method.headers["allow"]
    answer = client.get("/api/v1/cases")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
    spec = client.get("/openapi.json").json()
    assert "ProblemDetail" in spec["components"]["schemas"]
    error = spec["paths"]["/api/v1/cases"]["get"]["responses"]["404"]
    assert "application/problem+json" in error["content"]


RESULTS = (
    "sample_id,tube_id,pool_size,person_id,sample_time,result_time,method,result,ct_n,ct_orf1ab\n"
    "S1,T1,1,1001,2022-03-20T08:00:00,2022-03-20T14:00:00,pcr,negative,,\n"
    "S2,T2,1,1002,2022-03-20T08:05:00,2022-03-20T14:00:00,pcr,negative,,\n"
)


def test_a_lab_uploads_results_checked_first(world: World) -> None:
    lab = world.client(world.user(Role.LAB))
    bad = RESULTS + "S3,T3,1,999999,2022-03-20T08:00:00,2022-03-20T14:00:00,pcr,maybe,,\n"
    refused = lab.post("/api/v1/results", files={"file": ("day-20.csv", bad, "text/csv")})
    assert refused.status_code == 422 and refused.json()["code"] == "input_error"
    problems = {(p["file"], p["row"], p["field"]) for p in refused.json()["problems"]}
    assert ("day-20.csv", 3, "person_id") in problems and ("day-20.csv", 3, "result") in problems
    checked = lab.post(
        "/api/v1/results",
        files={"file": ("day-20.csv", RESULTS, "text/csv")},
        data={"check_only": "true"},
    )
    assert checked.status_code == 200 and checked.json()["result"]["new"] == 2
    stored = lab.post("/api/v1/results", files={"file": ("day-20.csv", RESULTS, "text/csv")})
    assert stored.json()["result"]["new"] == 2  # nothing was stored by the check
    again = lab.post("/api/v1/results", files={"file": ("day-20.csv", RESULTS, "text/csv")})
    assert again.json()["result"] == {**again.json()["result"], "new": 0, "already_stored": 2}
    observer = world.client(world.user(Role.OBSERVER))
    assert (
        observer.post("/api/v1/results", files={"file": ("x.csv", RESULTS, "text/csv")}).status_code
        == 403
    )
    wrong = lab.post("/api/v1/results", files={"file": ("x.exe", RESULTS, "text/csv")})
    assert wrong.status_code == 400 and wrong.json()["parameters"] == ["file"]
    # the recall list: negatives recall nobody; the lab page shows the (empty) list
    assert lab.get("/api/v1/results/recalls").json() == {"pools": []}
    assert 'id="recalls"' in lab.get("/lab").text
    assert world.client().get("/api/v1/results/recalls").status_code == 401


def test_a_community_worker_checks_the_people_of_their_round(world: World) -> None:
    worker = world.client(world.user(Role.COMMUNITY_WORKER))
    round_ = worker.get("/api/v1/checks/round").json()
    assert [p["person_id"] for p in round_["people"]] == [1002]  # not 2002, next door
    assert round_["people"][0]["name"] == "张****" and round_["people"][0]["missed"] == 2
    sent = worker.post(
        "/api/v1/checks", json={"person_id": 1002, "temperature": 38.2, "symptoms": ["cough"]}
    )
    assert (
        sent.status_code == 200 and sent.json()["fever"] and sent.json()["symptom_test"]["opened"]
    )
    again = worker.post(
        "/api/v1/checks",
        json={
            "person_id": 1002,
            "temperature": 38.2,
            "symptoms": ["cough"],
            "time": sent.json()["check_time"],
        },
    )
    assert again.status_code == 200 and again.json()["recorded"] is False  # a retried form
    assert worker.get("/api/v1/checks/round").json()["people"][0]["received"] == 1
    other = worker.post("/api/v1/checks", json={"person_id": 2002, "temperature": 36.5})
    assert other.status_code == 404
    page = worker.get("/worker").text  # the round and the help requests to act on
    (mine,) = worker.get("/api/v1/help-requests").json()["requests"]
    assert f'id="help-{mine["request_id"]}"' in page and 'data-person="1002"' in page
    assert page.count('<tr id="help-') == 1  # not next door's
    naive = worker.post(
        "/api/v1/checks",
        json={"person_id": 1002, "temperature": 36.5, "time": "2022-03-20T09:00:00"},
    )
    assert naive.status_code == 400 and naive.json()["parameters"] == ["time"]
    observer = world.client(world.user(Role.OBSERVER))
    assert (
        observer.post("/api/v1/checks", json={"person_id": 1002, "temperature": 36.5}).status_code
        == 403
    )


def test_the_public_self_check(world: World) -> None:
    anonymous = world.client()
    published = anonymous.get("/api/v1/public/trajectories", params={"date": "2022-03-21"}).json()
    assert [(w["place_id"], w["name"], w["local_window"]) for w in published["windows"]] == [
        (1, "南京路菜市场", "2022-03-20 09:00–10:00")
    ]
    assert "1001" not in json.dumps(published) and "person" not in json.dumps(published)
    visits = {
        "date": "2022-03-21",
        "visits": [
            {
                "place_id": 1,
                "start": "2022-03-20T09:30:00+08:00",
                "end": "2022-03-20T11:00:00+08:00",
            },
            {
                "place_id": 2,
                "start": "2022-03-20T09:30:00+08:00",
                "end": "2022-03-20T11:00:00+08:00",
            },
        ],
    }
    answer = anonymous.post("/api/v1/public/self-check", json=visits).json()
    assert answer["exposed"] and [
        (e["place_id"], e["overlap_minutes"]) for e in answer["exposures"]
    ] == [(1, 30.0)]
    later = {
        **visits,
        "visits": [
            {
                "place_id": 1,
                "start": "2022-03-20T10:30:00+08:00",
                "end": "2022-03-20T11:00:00+08:00",
            }
        ],
    }
    assert anonymous.post("/api/v1/public/self-check", json=later).json()["exposed"] is False
    backwards = {
        **visits,
        "visits": [
            {
                "place_id": 1,
                "start": "2022-03-20T11:00:00+08:00",
                "end": "2022-03-20T10:00:00+08:00",
            }
        ],
    }
    assert anonymous.post("/api/v1/public/self-check", json=backwards).status_code == 400


def test_logins_from_one_address_are_rate_limited(world: World) -> None:
    from shoutu.web.ratelimit import Limiter

    client = world.client()
    allowed = world.ctx.settings.login_rate_per_minute
    for i in range(allowed):
        tried = client.post("/api/v1/session", json={"username": f"ghost{i}", "password": "x"})
        assert tried.status_code == 401
    stopped = client.post(
        "/api/v1/session", json={"username": world.user(Role.ADMIN), "password": PASSWORD}
    )
    assert stopped.status_code == 429 and stopped.json()["code"] == "rate_limited"
    assert 1 <= int(stopped.headers["retry-after"]) <= 61
    limiter = Limiter(2)  # the window slides
    limiter.hit("a", now=0.0), limiter.hit("a", now=1.0), limiter.hit("b", now=1.0)
    try:
        limiter.hit("a", now=59.0)
        raise AssertionError("a third attempt within the minute passed")
    except Exception as exc:
        assert type(exc).__name__ == "RateLimited"
    limiter.hit("a", now=60.5)  # the first has left the window


def test_review_fixes_hold(world: World) -> None:
    """An open redirect, crafted cursors and dates, a stale version at the repository, a
    case whose person lives elsewhere, caching and an upload without a login."""
    import datetime as dt
    from concurrent.futures import ThreadPoolExecutor

    from shoutu.errors import PreconditionFailed, Unauthenticated
    from shoutu.services.access.sessions import login
    from shoutu.services.supervision.task_list import get_task
    from shoutu.services.supervision.tasks import update_task

    anonymous = world.client()
    for target in ("//evil.example/x", "/\\evil.example", "https://evil.example/", "/%0d%0aX"):
        answer = anonymous.post(
            "/login",
            data={"username": world.user(Role.OBSERVER), "password": PASSWORD, "next": target},
            headers={"Origin": "http://testserver"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, target
        assert answer.headers["location"] in ("/", "/%0d%0aX"), (target, answer.headers["location"])
    epi = world.client(world.user(Role.EPIDEMIOLOGIST))
    import base64

    for key in (
        [dt.datetime(2022, 3, 1, tzinfo=dt.UTC).isoformat(), 10**20],
        ["0001-01-01T00:00:00+01:00", 1],
    ):
        cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")
        assert epi.get("/api/v1/cases", params={"cursor": cursor}).status_code == 400
    for date in ("0001-01-01", "9999-12-31"):
        assert anonymous.get("/api/v1/public/bulletin", params={"date": date}).status_code == 400
        assert epi.get("/api/v1/checks/round", params={"date": date}).status_code == 400
    # the repository refuses a version that is no longer stored, whatever the route checked
    task_id = epi.get("/api/v1/tasks").json()["items"][0]["task_id"]
    seen = get_task(world.ctx, task_id)["updated_at"]
    update_task(world.ctx, task_id, reply="first")
    with pytest.raises(PreconditionFailed):
        update_task(world.ctx, task_id, reply="second", version=seen)
    # a case of the district whose person lives next door: the page shows them masked
    (Path(world.ctx.settings.event_dir).parent / "late.csv").write_text(
        "case_id,person_id,classification,origin,channel,found_in_control,region_code,"
        "report_time,protocol\n9001,2001,confirmed,local,fever_clinic,false,310101002001,"
        "2022-03-21T10:00:00+08:00,cn-9th-2022\n"
    )
    from shoutu.services.registry.imports.specs import import_file

    import_file(world.ctx, "cases", Path(world.ctx.settings.event_dir).parent / "late.csv")
    page = epi.get("/cases/9001")
    assert page.status_code == 200 and "张****" in page.text and "138****2001" in page.text
    assert epi.get("/api/v1/cases/9001").json()["person"]["masked"] is True
    assert anonymous.get("/public").headers["cache-control"] == "no-store"
    assert "no-store" not in anonymous.get("/static/app.css").headers.get("cache-control", "")
    bare = world.client().post(  # a fresh client: the form logins above left a cookie
        "/api/v1/results",
        content=b"x" * 1000,
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert bare.status_code == 401
    # wrong passwords at once all count: the user is locked
    name = world.user(Role.KEY_PLACE)
    failures = world.ctx.settings.login_max_failures

    def wrong(_: int) -> None:
        with pytest.raises(Unauthenticated):
            login(world.ctx, name, "not the password at all")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(wrong, range(failures)))
    with pytest.raises(Unauthenticated):  # the lockout counted every concurrent failure
        login(world.ctx, name, PASSWORD)


def test_control_routes_episodes_help_areas_and_the_board(world: World) -> None:
    epi = world.client(world.user(Role.EPIDEMIOLOGIST))
    episodes = epi.get("/api/v1/episodes").json()["episodes"]
    assert {e["person_id"] for e in episodes} == {1002}  # not 2002 next door
    assert episodes[0]["stages"] and episodes[0]["status"] == "active"
    requests = epi.get("/api/v1/help-requests").json()["requests"]
    assert len(requests) == 1 and "1380013" not in json.dumps(requests)  # the note is masked
    request_id = requests[0]["request_id"]
    assert epi.get(f"/api/v1/help-requests/{request_id}").json()["request_id"] == request_id
    triaged = epi.post(
        f"/api/v1/help-requests/{request_id}/steps", json={"action": "triage", "severity": 1}
    )
    assert triaged.status_code == 200, triaged.text
    assigned = epi.post(
        f"/api/v1/help-requests/{request_id}/steps", json={"action": "assign", "worker": "李医生"}
    )
    assert assigned.status_code == 200, assigned.text
    missing = epi.post(f"/api/v1/help-requests/{request_id}/steps", json={"action": "triage"})
    assert missing.status_code == 400 and missing.json()["parameters"] == ["severity"]
    observer = world.client(world.user(Role.OBSERVER))
    refused = observer.post(
        f"/api/v1/help-requests/{request_id}/steps", json={"action": "assign", "worker": "x"}
    )
    assert refused.status_code == 403
    assert epi.get("/api/v1/areas").json() == {"areas": []}
    assert epi.post("/api/v1/areas/1/approve").status_code == 403  # no right to approve
    board = epi.get("/api/v1/supervision/board", params={"date": "2022-03-21"}).json()
    assert board["parties"] and all(p["party"].startswith("310101") for p in board["parties"])
    lab = world.client(world.user(Role.LAB))
    assert lab.get("/api/v1/supervision/board").status_code == 403


def test_a_cases_chain_stays_in_the_callers_jurisdiction(world: World) -> None:
    # case 2 (Huangpu, person 1001) named 2002 of Xuhui as a close contact
    from shoutu.services.investigation.case_chain import case_chain
    from shoutu.services.registry.cases import get_case

    city = case_chain(world.ctx, 2)  # the operator: the whole city
    later = [e for e in city["edges"] if e["source"] == 2]
    assert len(later) == 1 and later[0]["setting"] == "household"
    target = later[0]["target"]
    infected = get_case(world.ctx, target)["case"]
    assert infected["person_id"] == 2002 and infected["region_code"].startswith("310104")
    assert case_chain(world.ctx, target)["infector"] == 2
    # the case's record names the same likely infector (none recorded by an investigation:
    # the one tracing names; the page said "not known" beside the chain's)
    assert infected["infector_case_id"] is None
    assert get_case(world.ctx, target)["likely_infector"] == 2
    # 2002's first case after case 2's report
    assert infected["report_time"] > get_case(world.ctx, 2)["case"]["report_time"]
    huangpu = world.client(world.user(Role.EPIDEMIOLOGIST)).get("/api/v1/cases/2/chain").json()
    assert [n["case_id"] for n in huangpu["nodes"]] == [2] and huangpu["edges"] == []
    xuhui = world.client(world.user(Role.EPIDEMIOLOGIST, XUHUI))
    assert xuhui.get("/api/v1/cases/2/chain").status_code == 404
    assert xuhui.get(f"/api/v1/cases/{target}/chain").json()["infector"] is None  # not theirs
    assert xuhui.get(f"/api/v1/cases/{target}").json()["likely_infector"] is None
    # the case's contacts: 2002 by id, and the case 2002 became only for a city-wide reader
    city_epi = world.client(world.user(Role.COMMANDER))  # of Huangpu: not Xuhui's case
    (contact,) = city_epi.get("/api/v1/cases/2/contacts").json()["items"]
    assert contact["person_id"] == 2002 and contact["became_case_id"] is None
    assert contact["measure_status"] is None and "name" not in contact  # Xuhui's episode
    from shoutu.services.registry.cases import case_contacts

    (everywhere,) = case_contacts(world.ctx, 2)  # the operator: the whole city
    assert everywhere["became_case_id"] == target and everywhere["measure_status"] == "active"
    # a recorded infector of another jurisdiction is not named to the reader
    from shoutu.services.audit import writing
    from shoutu.store.repositories import cases as cases_repo

    with writing(world.ctx) as unit:
        cases_repo.change(unit.conn, case_id=target, values={"infector_case_id": 2})
    try:
        seen = xuhui.get(f"/api/v1/cases/{target}").json()["case"]
        assert (
            seen["infector_case_id"] is None
            and 'id="infector"' in xuhui.get(f"/cases/{target}").text
        )
        assert get_case(world.ctx, target)["case"]["infector_case_id"] == 2
    finally:
        with writing(world.ctx) as unit:
            cases_repo.change(unit.conn, case_id=target, values={"infector_case_id": None})
    page = city_epi.get("/cases/2")
    assert 'id="contacts"' in page.text and "2002" in page.text and "more-contacts" not in page.text


def test_a_signal_with_its_series(world: World) -> None:
    epi = world.client(world.user(Role.EPIDEMIOLOGIST))
    signal = epi.get("/api/v1/signals").json()["items"][0]
    found = epi.get(f"/api/v1/signals/{signal['signal_id']}/series").json()
    assert found["dates"][-1] == signal["date_end"] and len(found["dates"]) == 28
    by_day = dict(zip(found["dates"], found["counts"], strict=True))
    # the district's cases by report day: 9 on each day of the signal, 1 or 2 before
    assert by_day["2022-03-16"] == 9 == by_day["2022-03-17"] and by_day["2022-03-15"] == 1
    assert by_day["2022-02-28"] == 0 and found["threshold"] == signal["threshold"]
    other = world.client(world.user(Role.EPIDEMIOLOGIST, XUHUI))
    assert other.get(f"/api/v1/signals/{signal['signal_id']}/series").status_code == 404


def test_a_csrf_token_that_is_not_ascii_is_refused_not_a_crash(world: World) -> None:
    browser = world.client()
    answer = browser.post(
        "/api/v1/session", json={"username": world.user(Role.OBSERVER), "password": PASSWORD}
    )
    assert answer.status_code == 200
    odd = browser.delete("/api/v1/session", headers={"X-CSRF-Token": b"\xe9" * 40})
    assert odd.status_code == 403


def test_a_case_page_audits_its_reads_in_one_unit(world: World) -> None:
    """The case page reads the case, its person, its tasks and its contacts: one audit unit
    (one link in the chain, not four), every read in it, the chain still whole."""
    from shoutu.services.audit import recent, verify

    name = world.user(Role.EPIDEMIOLOGIST)
    assert world.client(name).get("/cases/1").status_code == 200
    mine = [e for e in recent(world.ctx, actor=name, limit=20) if e["entity"] != "users"]
    unit = mine[0]["unit"]
    together = [e for e in mine if e["unit"] == unit]
    assert {e["entity"] for e in together} == {"cases", "people", "tasks", "contacts"}
    assert sorted(e["pos"] for e in together) == list(range(len(together)))
    assert verify(world.ctx).ok


def test_a_lab_of_one_district_uploads_for_its_people_only(world: World) -> None:
    """A lab scoped to Huangpu: a result for a Xuhui resident is refused like an unknown
    person (nothing tells which), and nothing of the file is stored."""
    lab = world.client(world.user(Role.LAB))
    theirs = RESULTS.replace(",1002,", ",2002,")  # S2 of a Xuhui resident
    refused = lab.post(
        "/api/v1/results", files={"file": ("x.csv", theirs, "text/csv")}, data={"check_only": "1"}
    )
    assert refused.status_code == 422
    problems = [(p["row"], p["field"], p["reason"]) for p in refused.json()["problems"]]
    unknown = RESULTS.replace(",1002,", ",999999,")
    also = lab.post(
        "/api/v1/results", files={"file": ("x.csv", unknown, "text/csv")}, data={"check_only": "1"}
    )
    assert problems == [(p["row"], p["field"], p["reason"]) for p in also.json()["problems"]]
    assert problems == [(2, "person_id", "unknown person")]


def test_episodes_and_help_requests_page_through_once(world: World) -> None:
    """The episode and help-request lists, a row per page: each row of the whole list once,
    in order; a crafted cursor is a 400."""
    epi = world.client(world.user(Role.EPIDEMIOLOGIST))
    for path, key, ident in (
        ("/api/v1/episodes", "episodes", "episode_id"),
        ("/api/v1/help-requests", "requests", "request_id"),
    ):
        whole = epi.get(path, params={"limit": 500}).json()
        assert whole["next_cursor"] is None
        seen, cursor = [], None
        while True:
            page = epi.get(path, params={"limit": 1, **({"cursor": cursor} if cursor else {})})
            seen += [r[ident] for r in page.json()[key]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert seen == [r[ident] for r in whole[key]] and seen == sorted(seen) and seen
        assert epi.get(path, params={"cursor": "bm90LWEtY3Vyc29y"}).status_code == 400
    overdue = epi.get("/api/v1/help-requests", params={"overdue_only": True, "limit": 1})
    assert overdue.status_code == 200 and all(r["overdue"] for r in overdue.json()["requests"])
