"""Pages show only the actions their user may take: a signal's next steps to a user with the
right to respond, none to an observer (whose click would be refused)."""

from __future__ import annotations

import re

from shoutu.domain.access import ROLE_RIGHTS
from shoutu.domain.vocabulary import Right, Role, SignalStatus
from shoutu.services.surveillance.signals import NEXT
from webworld import World


def test_a_signals_steps_only_for_who_may_respond(world: World) -> None:
    assert Right.RESPOND_TO_SIGNALS not in ROLE_RIGHTS[Role.OBSERVER]
    assert Right.RESPOND_TO_SIGNALS in ROLE_RIGHTS[Role.EPIDEMIOLOGIST]
    epi = world.client(world.user(Role.EPIDEMIOLOGIST))
    items = epi.get("/api/v1/signals", params={"limit": 200}).json()["items"]
    signal = next(s["signal_id"] for s in items if NEXT[SignalStatus(s["status"])])
    shown = {
        role: world.client(world.user(role)).get(f"/signals/{signal}").text
        for role in (Role.EPIDEMIOLOGIST, Role.OBSERVER)
    }
    assert "data-step=" in shown[Role.EPIDEMIOLOGIST]
    assert "data-step=" not in shown[Role.OBSERVER] and 'id="signal-status"' in shown[Role.OBSERVER]


def test_codes_on_pages_are_labelled_in_the_pages_language(world: World) -> None:
    """The control desk's episodes and the four page's community-zero status come as codes
    in JSON; the pages show their labels (a code of no vocabulary as it is)."""
    from shoutu.domain.vocabulary import CommunityZeroStatus, ControlKind, ControlStatus
    from shoutu.web.i18n import term

    assert term("ControlStatus", "active", "zh") == ControlStatus.ACTIVE.zh
    assert term("ControlKind", "home", "en") == ControlKind.HOME.en == "Home quarantine"
    assert term("ControlStatus", "nonsense", "zh") == "nonsense" and term("Nope", 1, "zh") == "1"
    epi = world.client(world.user(Role.EPIDEMIOLOGIST))
    desk = epi.get("/control", params={"lang": "zh"}).text
    assert f"{ControlStatus.ACTIVE.zh}</td>" in desk and " · active</td>" not in desk
    four = epi.get("/control/four", params={"lang": "zh"}).text
    statuses = {s.zh for s in CommunityZeroStatus}
    cells = re.findall(r'<td data-status="(\w+)">([^<]*)</td>', four)
    assert cells and all(text in statuses for _, text in cells)
