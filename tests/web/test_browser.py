"""The pages in a real browser: Playwright drives Debian's headless Chromium (never
`playwright install`) against the app served by uvicorn on a loopback port. Log in, the
command centre draws its curve and district map, a signal is worked through, the public
bulletin renders without a login — in zh-CN and en, on a desktop and a phone-sized viewport,
with no JavaScript error; screenshots are kept in test-artifacts/screenshots."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from paths import ROOT
from shoutu.domain.vocabulary import Role, SignalStatus
from shoutu.services.store_setup import init_store
from shoutu.settings import get_settings
from webworld import PASSWORD, World, build_world

CHROMIUM = Path("/usr/bin/chromium-headless-shell")
SHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DAY = "2022-03-21"  # the city's last day


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    folder = tmp_path_factory.mktemp("browser")
    built = get_settings(
        database_url=f"sqlite:///{folder / 'shoutu.db'}",
        key_file=folder / "shoutu.key",
        event_dir=folder / "events",
        user="tester",
    )
    init_store(built)
    world = build_world(built, folder)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(world.app, host="127.0.0.1", port=port, log_level="warning")
    )  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield world, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        world.ctx.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make sysdeps` installs chromium-headless-shell")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        print("browser", launched.version)
        yield launched
        launched.close()


def _page(browser: Browser, lang: str, phone: bool = False) -> tuple[Page, list[str]]:
    context = browser.new_context(
        locale="zh-CN" if lang == "zh" else "en-GB",
        viewport=PHONE if phone else {"width": 1280, "height": 900},
        is_mobile=phone,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page, errors


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _log_in(page: Page, base: str, username: str, lands: str = f"/?date={DAY}") -> None:
    page.goto(f"{base}/?date={DAY}")
    assert "/login" in page.url  # a page without a login asks for one
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{lands}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_command_centre_draws_its_chart_and_map(
    served: tuple[World, str], browser: Browser, lang: str
) -> None:
    world, base = served
    page, errors = _page(browser, lang)
    _log_in(page, base, world.user(Role.COMMANDER))
    page.wait_for_selector("body[data-charts-ready=yes]", timeout=20_000)
    assert page.get_attribute("body", "data-charts-failed") is None
    assert page.locator("#curve svg path").count() > 10  # the stacked bars
    assert page.locator("#map svg path").count() >= 2  # both districts
    kinds = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('map')).getOption()"
        ".series.map(function (s) { return s.type; })"
    )
    assert kinds == ["map", "scatter"]  # the districts, and the public list's areas as points
    heading = page.locator("h1").inner_text()
    assert ("指挥中心" if lang == "zh" else "Command centre") in heading
    assert page.locator("#cases-total").inner_text() == "46"  # their district's, not the city's
    _shot(page, f"dashboard-{lang}")
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_signal_is_worked_through(served: tuple[World, str], browser: Browser, lang: str) -> None:
    world, base = served
    page, errors = _page(browser, lang, phone=lang == "en")
    district = "310101000000" if lang == "zh" else "310104000000"  # one signal in each
    _log_in(page, base, world.user(Role.EPIDEMIOLOGIST, district))
    page.locator("a[href^='/signals/']").first.click()
    page.wait_for_selector("#signal")
    for step in ("verifying", "investigating", "confirmed"):
        page.click(f"button[data-step={step}]")
        # the page reloads with the signal's new status
        expect(page.locator("#signal-status")).to_have_text(SignalStatus(step).label(lang))
    assert page.locator("button[data-step]").count() == 0  # confirmed: no step left
    _shot(page, f"signal-{lang}")
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_bulletin_without_login(
    served: tuple[World, str], browser: Browser, lang: str
) -> None:
    _, base = served
    page, errors = _page(browser, lang, phone=True)
    page.goto(f"{base}/public")
    page.wait_for_selector("body[data-charts-ready=yes]", timeout=20_000)
    assert page.locator("#curve svg path").count() > 10
    assert ("疫情通报" if lang == "zh" else "Public bulletin") in page.locator("h1").inner_text()
    _shot(page, f"public-{lang}-phone")
    assert errors == []
    page.context.close()


def test_a_wrong_password_is_said_in_the_form(served: tuple[World, str], browser: Browser) -> None:
    world, base = served
    page, errors = _page(browser, "en")
    page.goto(f"{base}/login")
    page.fill("input[name=username]", world.user(Role.OBSERVER))
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert page.locator("p.error").inner_text() == "Wrong username or password"
    assert errors == [] or all("401" in e for e in errors)
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_lab_file_with_a_bad_row_shows_the_row_and_field(
    served: tuple[World, str], browser: Browser, lang: str, tmp_path: Path
) -> None:
    world, base = served
    page, errors = _page(browser, lang)
    _log_in(page, base, world.user(Role.LAB), lands="/lab")  # a lab has no command centre
    bad = tmp_path / "day-20.csv"
    bad.write_text(
        "sample_id,tube_id,pool_size,person_id,sample_time,result_time,method,result,ct_n,"
        "ct_orf1ab\n"
        "S1,T1,1,1001,2022-03-20T08:00:00,2022-03-20T14:00:00,pcr,negative,,\n"
        "S2,T2,1,1002,2022-03-20T08:00:00,2022-03-20T14:00:00,pcr,maybe,,\n"
    )
    page.set_input_files("input[type=file]", str(bad))
    page.click("button[data-submit=check]")
    page.wait_for_selector("#problems")
    cells = page.locator("#problems tr").nth(1).locator("td").all_inner_texts()
    assert cells[:2] == ["2", "result"]
    _shot(page, f"lab-{lang}")
    assert all("422" in e for e in errors)  # the browser logs the refused upload, nothing else
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_health_check_on_a_phone_survives_going_offline(
    served: tuple[World, str], browser: Browser, lang: str
) -> None:
    from shoutu.services.control.check_days import check_day
    from webworld import UNDER_CONTROL

    world, base = served
    district = "310101000000" if lang == "zh" else "310104000000"
    person = UNDER_CONTROL[district]
    page, errors = _page(browser, lang, phone=True)
    _log_in(page, base, world.user(Role.COMMUNITY_WORKER, district))
    page.goto(f"{base}/worker")
    form = page.locator(f"form[data-person='{person}']")
    assert page.locator("form[data-check]").count() == 1  # only their own district's person
    assert page.locator("#help tr[id^='help-']").count() == 1  # their district's open request
    page.context.set_offline(True)
    form.locator("input[name=temperature]").fill("37.9")
    form.locator("input[value=cough]").check()
    form.locator("button[type=submit]").click()
    saved = "已保存在本机" if lang == "zh" else "Saved on this phone"
    expect(page.locator("#queue")).to_contain_text(saved)
    assert page.evaluate("JSON.parse(localStorage.getItem('shoutu-checks')).length") == 1
    _shot(page, f"worker-offline-{lang}")
    page.context.set_offline(False)  # the phone is back: the kept form is sent
    expect(page.locator("#queue")).to_have_text("已提交" if lang == "zh" else "Sent")
    assert page.evaluate("JSON.parse(localStorage.getItem('shoutu-checks')).length") == 0
    page.reload()  # nothing left to send; the report is counted once
    expect(page.locator(f"#person-{person}")).to_contain_text("1 / 2")
    day = check_day(world.ctx)
    (row,) = [p for p in day.people if p["person_id"] == person]
    assert row["received"] == 1 and row["temperature"] == 37.9 and row["symptoms"] == ["cough"]
    _shot(page, f"worker-{lang}")
    assert all("ERR_INTERNET_DISCONNECTED" in e or "Failed to fetch" in e for e in errors)
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_public_self_check_answers(
    served: tuple[World, str], browser: Browser, lang: str
) -> None:
    _, base = served
    page, errors = _page(browser, lang, phone=True)
    page.goto(f"{base}/public?date={DAY}")
    page.click("#self-check-link")
    page.select_option("select[name=place_id]", "1")
    page.fill("input[name=start]", "2022-03-20T09:30")
    page.fill("input[name=end]", "2022-03-20T11:00")
    page.click("button[type=submit]")
    answer = page.locator("#answer").inner_text()
    assert ("重合" if lang == "zh" else "overlapped") in answer and "30" in answer
    _shot(page, f"self-check-{lang}")
    page.fill("input[name=start]", "2022-03-20T10:30")
    page.fill("input[name=end]", "2022-03-20T11:00")
    page.click("button[type=submit]")
    expected = "未发现" if lang == "zh" else "No overlap"
    assert expected in page.locator("#answer").inner_text()
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_case_page_draws_its_chain(
    served: tuple[World, str], browser: Browser, lang: str
) -> None:
    world, base = served
    page, errors = _page(browser, lang)
    _log_in(page, base, world.user(Role.EPIDEMIOLOGIST))
    page.goto(f"{base}/cases/2")
    page.wait_for_selector("body[data-charts-ready=yes]", timeout=20_000)
    assert page.get_attribute("#chain", "data-nodes") == "1"  # its contact's case is next door
    assert page.locator("#chain canvas").count() >= 1
    assert "张****" in page.locator("#person").inner_text()
    _shot(page, f"case-{lang}")
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_help_request_is_triaged_and_taken_at_the_control_desk(
    served: tuple[World, str], browser: Browser, lang: str
) -> None:
    from shoutu.services.control.help_views import list_requests
    from webworld import UNDER_CONTROL

    world, base = served
    district = "310101000000" if lang == "zh" else "310104000000"
    page, errors = _page(browser, lang)
    _log_in(page, base, world.user(Role.EPIDEMIOLOGIST, district))
    page.goto(f"{base}/control")
    rows = page.locator("#help tbody tr")
    assert rows.count() == 1  # their district's request only
    assert page.locator("#episodes tbody tr").count() == 1
    page.click("button[data-step=triage-2]")
    expect(page.locator("button[data-step=assign]")).to_have_count(1)  # reloaded, triaged
    page.click("button[data-step=assign]")
    expect(page.locator("button[data-step=resolve]")).to_have_count(1)  # assigned: to resolve
    (request,) = [r for r in list_requests(world.ctx) if r["person_id"] == UNDER_CONTROL[district]]
    assert request["severity"] == 2 and request["resp_person"] == world.user(
        Role.EPIDEMIOLOGIST, district
    )
    _shot(page, f"control-{lang}")
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_four_lists_and_community_zero_of_ones_district(
    served: tuple[World, str], browser: Browser, lang: str
) -> None:
    """The four lists page on a desktop (an epidemiologist) and on a phone (a community
    worker), in each language: their district's regions only, each list and community zero."""
    from shoutu.domain.timeutil import local_date, utcnow

    world, base = served
    district = "310101000000" if lang == "zh" else "310104000000"
    other = "310104000000" if lang == "zh" else "310101000000"
    day = local_date(utcnow(), world.ctx.settings.timezone)  # the world's contacts' day
    for role, phone in ((Role.EPIDEMIOLOGIST, False), (Role.COMMUNITY_WORKER, True)):
        page, errors = _page(browser, lang, phone=phone)
        _log_in(page, base, world.user(role, district))
        page.goto(f"{base}/control/four?date={day.isoformat()}")
        title = "四应四尽" if lang == "zh" else "The four shoulds"
        expect(page.locator("h1")).to_contain_text(title)
        assert page.locator(f"#four-regions tr[data-region='{district}']").count() == 1
        assert page.locator(f"tr[data-region='{other}']").count() == 0
        for name in ("test", "isolate", "treat", "manage"):
            expect(page.locator(f"#missed-{name}")).to_be_visible()
        zero = page.locator(f"#community-zero tr[data-region='{district}'] td[data-status]")
        assert zero.get_attribute("data-status") in {"zero", "basic_zero", "not_zero"}
        _shot(page, f"four-{lang}-{'phone' if phone else 'desktop'}")
        assert errors == []
        page.context.close()
