"""The four "should" lists and community zero on the web: API routes and the page, each of
the caller's jurisdiction (a district's user sees their district's people and cases, the same
numbers the whole city's report gives that district), refused without the right to view."""

from __future__ import annotations

import datetime as dt
import re

from shoutu.domain.timeutil import local_date, utcnow
from shoutu.domain.vocabulary import Role
from shoutu.services.control.community_zero import from_registry
from shoutu.services.control.coverage import coverage
from webworld import UNDER_CONTROL, World

HERE, NEXT_DOOR = "310101000000", "310104000000"


def _day(world: World) -> dt.date:
    """The day the world's contacts were identified (recorded today: no identified time)."""
    return local_date(utcnow(), world.ctx.settings.timezone)


def test_the_four_rates_and_lists_of_ones_district(world: World) -> None:
    day = _day(world)
    whole = {r["region"]: r for r in coverage(world.ctx, date=day, limit=None).rates()}
    assert {HERE, NEXT_DOOR} <= set(whole)  # the city's report holds both districts
    assert whole[HERE]["isolate"]["due"] >= 1  # the contact identified that day
    epi = world.client(world.user(Role.EPIDEMIOLOGIST))
    answer = epi.get("/api/v1/coverage", params={"date": day.isoformat()})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert [r["region"] for r in found["regions"]] == [HERE]
    assert found["regions"][0] == whole[HERE]  # the same numbers as the city's for it
    listed = {p["person_id"] for name in found["lists"] for p in found["lists"][name]}
    assert UNDER_CONTROL[NEXT_DOOR] not in listed and "lists_dir" not in found
    assert found["date"] == day.isoformat() and set(found["totals"]) == set(found["lists"])
    bad = epi.get("/api/v1/coverage", params={"date": day.isoformat(), "level": "planet"})
    assert bad.status_code == 400
    lab = world.client(world.user(Role.LAB))
    assert lab.get("/api/v1/coverage", params={"date": day.isoformat()}).status_code == 403


def test_community_zero_of_ones_district(world: World) -> None:
    day = _day(world)
    whole = {r["region"]: r for r in from_registry(world.ctx, day=day).as_json()["regions"]}
    assert {HERE, NEXT_DOOR} <= set(whole)
    epi = world.client(world.user(Role.EPIDEMIOLOGIST, NEXT_DOOR))
    found = epi.get("/api/v1/community-zero", params={"date": day.isoformat()}).json()
    assert [r["region"] for r in found["regions"]] == [NEXT_DOOR]
    assert found["regions"][0] == whole[NEXT_DOOR]
    assert found["date"] == day.isoformat() and isinstance(found["all_zero"], bool)
    lab = world.client(world.user(Role.LAB))
    assert lab.get("/api/v1/community-zero").status_code == 403


def test_the_page_shows_ones_regions_lists_and_zero(world: World) -> None:
    day = _day(world)
    epi = world.client(world.user(Role.EPIDEMIOLOGIST))
    page = epi.get("/control/four", params={"date": day.isoformat(), "lang": "en"})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="four-regions"' in html and 'id="community-zero"' in html
    assert f'data-region="{HERE}"' in html and f'data-region="{NEXT_DOOR}"' not in html
    for name in ("test", "isolate", "treat", "manage"):
        assert f'id="missed-{name}"' in html
    assert "Tested as due" in html and "Community zero" in html
    assert 'href="/control/four"' in epi.get("/control", params={"lang": "en"}).text
    # every level the page offers is one the lists take (a "subdistrict" option gave 400),
    # labelled in the page's language; the chosen one is selected
    options = re.findall(r'<option value="(\w+)"( selected)?>([^<]+)</option>', html)
    assert [(v, s != "", t) for v, s, t in options] == [
        ("district", True, "District"),
        ("town", False, "Town / subdistrict"),
        ("community", False, "Community"),
    ]
    for level, *_ in options:
        shown = epi.get("/control/four", params={"date": day.isoformat(), "level": level})
        assert shown.status_code == 200 and f'value="{level}" selected' in shown.text
    zh = epi.get("/control/four", params={"date": day.isoformat(), "lang": "zh"}).text
    assert ">街道乡镇</option>" in zh
    anonymous = world.client()
    assert anonymous.get("/control/four", follow_redirects=False).status_code in (302, 303)
