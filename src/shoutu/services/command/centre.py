"""The command centre's day (指挥中心): the situation within the caller's jurisdiction, the
city's epidemic curve and R_t (public figures), the four "should" rates (四应) of the regions
the caller answers for, the parties furthest behind (supervision's board) and the open
signals. One call for the page; each part is its feature's own service."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np

from shoutu.analytics.rt import min_cases_for_cv
from shoutu.domain.access import Jurisdiction
from shoutu.domain.regions import LEVEL_DIGITS
from shoutu.domain.vocabulary import RegionLevel, Right
from shoutu.io.series import ALL, DailySeries
from shoutu.services.context import ServiceContext
from shoutu.services.control.coverage import LISTS, coverage
from shoutu.services.guard import may_list
from shoutu.services.public.bulletin import bulletin
from shoutu.services.registry.situation import situation
from shoutu.services.supervision.board import board
from shoutu.services.surveillance.rt import estimate_rt
from shoutu.services.surveillance.signals import list_signals

LATE_PARTIES = 5
WINDOW = 7  # R_t's window (days), as EpiEstim's default


def latest_rt(curve: list[dict[str, Any]], serial_interval: str) -> dict[str, Any] | None:
    """R_t of the last window of the curve's local infections (imported ones infect, are not
    infected: EpiEstim's local/imported split); None when the curve is too short or the
    window too quiet for an estimate: fewer local cases than EpiEstim's rule asks for (a
    posterior CV of 0.3, ``min_cases_for_cv``), where the estimate is mostly the prior's."""
    if len(curve) <= WINDOW:
        return None
    local = np.array([[p["in_control"] + p["community"] for p in curve]], float)
    if local[0, -WINDOW:].sum() < min_cases_for_cv():
        return None
    imported = np.array([[p["imported"] for p in curve]], float)
    series = DailySeries.from_counts(
        [ALL], dt.date.fromisoformat(curve[0]["date"]), local, imported
    )
    mean, sd = (float(v) for v in serial_interval.split(","))
    columns = estimate_rt(series, si_mean=mean, si_sd=sd).columns
    value = float(columns["mean"][-1])
    if math.isnan(value):
        return None
    return {
        "date_start": str(columns["date_start"][-1]),
        "date_end": str(columns["date_end"][-1]),
        "mean": round(value, 2),
        "q025": round(float(columns["q025"][-1]), 2),
        "q975": round(float(columns["q975"][-1]), 2),
    }


def rows_level(view: Jurisdiction) -> RegionLevel:
    """The level of the command centre's rows: the districts, or for a jurisdiction within
    one district (a town's, a community's) the level of its own scope, so that its rows are
    its own regions rather than a district it sees only part of."""
    digits = min((len(p) for p in view.prefixes or ()), default=0)
    for level in (RegionLevel.COMMUNITY, RegionLevel.TOWN):  # a building's: its community
        if digits >= LEVEL_DIGITS[level]:
            return level
    return RegionLevel.DISTRICT


def command_centre(ctx: ServiceContext, day: dt.date) -> dict[str, Any]:
    """The command centre on ``day`` (see the module)."""
    may_list(ctx, "cases")
    level = rows_level(ctx.principal.view)
    found = bulletin(ctx, day)
    four = coverage(ctx, date=day, level=level.value, limit=0)  # the jurisdiction's people
    rates = [r for r in four.rates() if r["region"] is not None]
    totals = {}
    for name in LISTS:
        met = sum(r[name]["met"] for r in rates)
        due = sum(r[name]["due"] for r in rates)
        totals[name] = {"met": met, "due": due, "rate": round(met / due, 4) if due else None}
    return {
        "date": day.isoformat(),
        "situation": situation(ctx, day=day),
        "rt": latest_rt(found.curve, ctx.settings.serial_interval),
        "four_should": {"totals": totals, "regions": rates},
        "late_parties": board(ctx, day, level=level.value)["parties"][:LATE_PARTIES],
        "open_signals": list_signals(ctx, open_only=True, limit=20),
    }


#: Episodes in force a page of the control desk lists (a city has tens of thousands)
DESK_EPISODES = 200


def control_desk(ctx: ServiceContext, *, after: int | None = None) -> dict[str, Any]:
    """The control desk now: the episodes in force (a page of ``DESK_EPISODES`` after the
    episode ``after``, with the next page's start), the open help requests (overdue first) and
    the risk areas proposed, of the caller's jurisdiction, and which steps they may take."""
    from shoutu.domain.vocabulary import AreaStatus, ControlStatus
    from shoutu.services.control.areas import list_areas
    from shoutu.services.control.episode_list import list_episodes

    may_list(ctx, "control_measures")
    help_requests = _open_help(ctx)
    episodes = list_episodes(ctx, status=ControlStatus.ACTIVE, limit=DESK_EPISODES + 1, after=after)
    more = len(episodes) > DESK_EPISODES
    episodes = episodes[:DESK_EPISODES]
    return {
        "episodes": episodes,
        "episodes_next": episodes[-1]["episode_id"] if more else None,
        "proposed_areas": list_areas(ctx, status=AreaStatus.PROPOSED),
        **help_requests,
        "may": {**help_requests["may"], "approve": ctx.principal.may(Right.APPROVE_RISK_AREAS)},
    }


def four_and_zero(
    ctx: ServiceContext, day: dt.date, level: str | None = None, list_limit: int = 50
) -> dict[str, Any]:
    """The four "should" rates per region on ``day`` with the first ``list_limit`` people of
    each list of who was not covered, and community zero per region — of the caller's
    jurisdiction (the page of the four lists), at ``level`` (default :func:`rows_level`)."""
    from shoutu.services.control.community_zero import from_registry

    level = level or rows_level(ctx.principal.view).value

    four = coverage(ctx, date=day, level=level, limit=list_limit).as_json()
    zero = from_registry(ctx, day=day, level=level).as_json()
    return {"date": day.isoformat(), "level": level, "four_should": four, "community_zero": zero}


def worker_day(ctx: ServiceContext, day: dt.date | None = None) -> dict[str, Any]:
    """A community worker's day: their round (the people to check, what they owe and sent)
    and the open help requests of their jurisdiction with the steps they may take."""
    from shoutu.services.control.check_days import round_list

    return {"round": round_list(ctx, day), **_open_help(ctx)}


def _open_help(ctx: ServiceContext) -> dict[str, Any]:
    """The open help requests in the caller's jurisdiction, overdue first, and whether they
    may work them."""
    from shoutu.services.control.help_views import list_requests

    requests = list_requests(ctx, open_only=True)
    requests.sort(key=lambda r: (not r["overdue"], r["due_time"] is None, r["request_id"]))
    principal = ctx.principal
    work = principal.may(Right.EDIT_CASES) or principal.may(Right.ASSIGN_TASKS)
    return {"help_requests": requests, "may": {"work": work}}


__all__ = ["command_centre", "control_desk", "four_and_zero", "latest_rt", "worker_day"]
