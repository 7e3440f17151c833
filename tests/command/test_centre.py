"""The command centre's day: its counts within the caller's jurisdiction, R_t as EpiEstim's
last window over a recount of the city's daily local cases, the four rates of the caller's
regions only, the parties behind of their jurisdiction."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from shoutu.domain.vocabulary import Role
from shoutu.errors import Forbidden
from shoutu.io.series import ALL, DailySeries
from shoutu.services.access.sessions import login
from shoutu.services.command.centre import command_centre
from shoutu.services.surveillance.rt import estimate_rt
from webworld import DAYS, PASSWORD, START, World

DAY = START + dt.timedelta(days=DAYS - 1)


def _as(world: World, role: Role, district: str = "310101000000") -> object:
    return world.ctx.acting_as(login(world.ctx, world.user(role, district), PASSWORD).principal)


def test_the_command_centre_of_a_district(world: World) -> None:
    huangpu = command_centre(_as(world, Role.COMMANDER), DAY)  # type: ignore[arg-type]
    city = command_centre(world.ctx, DAY)
    assert huangpu["situation"]["cases"]["total"] * 2 == city["situation"]["cases"]["total"] == 92
    # the registry's counts too are the district's: its residents and places (the region tree
    # is reference data, the whole city's)
    mine, whole = huangpu["situation"], city["situation"]
    assert 0 < mine["people"] < whole["people"] and mine["regions"] == whole["regions"]
    assert 0 < sum(mine["places"].values()) < sum(whole["places"].values())
    # R_t: the last 7-day window over the city's daily local cases (each district's 2, 4, … 9)
    daily = [2 * (9 if d in (15, 16) else 1 + d % 2) for d in range(DAYS)]
    series = DailySeries.from_counts([ALL], START, np.array([daily], float), np.zeros((1, DAYS)))
    expected = estimate_rt(series, si_mean=3.3, si_sd=2.0).columns
    assert huangpu["rt"]["mean"] == round(float(expected["mean"][-1]), 2)
    assert huangpu["rt"]["date_end"] == DAY.isoformat()
    assert {r["region"][:6] for r in huangpu["four_should"]["regions"]} <= {"310101"}
    assert all(p["party"].startswith("310101") for p in huangpu["late_parties"])
    assert {p["party"][:6] for p in city["late_parties"]} == {"310101", "310104"}
    with pytest.raises(Forbidden):
        command_centre(_as(world, Role.LAB), DAY)  # type: ignore[arg-type]


def test_a_community_commander_sees_their_community(world: World) -> None:
    """A jurisdiction narrower than a district: the four rates and the parties behind come
    by its community (before, its district's row was dropped as not wholly in view); Huangpu's
    people all live in the one community, so its figures are the district commander's."""
    from shoutu.domain.access import ROLE_RIGHTS, Jurisdiction, Principal
    from shoutu.services.command.centre import rows_level

    community = "310101002001"
    principal = Principal(
        "commander-guizhou",
        ROLE_RIGHTS[Role.COMMANDER],
        view=Jurisdiction.of([community]),
        role=Role.COMMANDER,
    )
    mine = command_centre(world.ctx.acting_as(principal), DAY)
    district = command_centre(_as(world, Role.COMMANDER), DAY)  # type: ignore[arg-type]
    assert [r["region"] for r in mine["four_should"]["regions"]] == [community]
    assert mine["four_should"]["totals"] == district["four_should"]["totals"]
    assert any(t["due"] for t in mine["four_should"]["totals"].values())
    assert {p["party"] for p in mine["late_parties"]} <= {community, "unassigned"}
    assert rows_level(Jurisdiction.of(["3101"])).value == "district"
    assert rows_level(Jurisdiction.of(["310101002"])).value == "town"
    assert rows_level(Jurisdiction.of(["3101010020010001"])).value == "community"
    assert rows_level(Jurisdiction(None)).value == "district"


def test_rt_of_a_quiet_window_is_not_shown() -> None:
    """A last window with fewer local cases than EpiEstim's rule asks for (11 for a CV of 0.3
    with the default prior) gives no R_t (its estimate would be mostly the prior's mean of 5);
    one with enough gives EpiEstim's."""
    from shoutu.services.command.centre import latest_rt

    def curve(daily: list[int]) -> list[dict[str, object]]:
        day0 = dt.date(2022, 3, 1)
        return [
            {"date": (day0 + dt.timedelta(days=i)).isoformat(), "in_control": 0,
             "community": n, "imported": 0}
            for i, n in enumerate(daily)
        ]  # fmt: skip

    quiet = latest_rt(curve([5] * 10 + [1, 1, 2, 1, 1, 2, 1]), "3.3,2.0")  # 9 in the window
    busy = latest_rt(curve([5] * 10 + [2] * 7), "3.3,2.0")  # 14
    assert quiet is None and busy is not None and 0 < busy["mean"] < 5


def test_the_control_desk_pages_its_episodes(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A city has tens of thousands of episodes in force: the desk lists a page of them and
    links the next (here a page of one)."""
    import shoutu.services.command.centre as centre

    monkeypatch.setattr(centre, "DESK_EPISODES", 1)
    first = centre.control_desk(world.ctx)
    (only,) = first["episodes"]
    assert first["episodes_next"] == only["episode_id"]
    rest = centre.control_desk(world.ctx, after=only["episode_id"])
    assert rest["episodes"] and rest["episodes"][0]["episode_id"] > only["episode_id"]
    page = world.client(world.user(Role.COMMANDER)).get("/control").text  # the district's one
    section = page.split('id="episodes"')[1]
    assert section.count("<tr><td>") == 1 and 'id="more-episodes"' not in section
    last = centre.control_desk(world.ctx, after=rest["episodes"][-1]["episode_id"] + 10**9)
    assert last["episodes"] == [] and last["episodes_next"] is None
