"""/api/v1/public: what anyone may read without logging in — the day's bulletin (figures and
curve), its district map (GeoJSON) and the public list of risk areas. De-identified only:
counts by district and day, areas by region code."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shoutu.web.auth import Public
from shoutu.web.problems import ERRORS

router = APIRouter(prefix="/api/v1/public", responses=ERRORS, tags=["public"])
Day = Annotated[dt.date | None, Query(description="The day (default: the latest).")]


def the_day(ctx: Public, day: dt.date | None) -> dt.date:
    """The day asked for (within the plausible dates), else the latest."""
    from shoutu.services.public.bulletin import latest_day

    return plausible(ctx, day) if day is not None else latest_day(ctx)


def plausible(ctx: Public, day: dt.date) -> dt.date:
    """``day`` if it lies in SHOUTU_PLAUSIBLE_DATES (else 400)."""
    from shoutu.errors import BadRequest

    window = ctx.plausible_window()
    if day not in window:
        raise BadRequest(f"the {{date}} {day} is outside {window}")
    return day


@router.get("/bulletin")
def bulletin(ctx: Public, date: Day = None) -> dict[str, Any]:
    """The daily bulletin's figures as of 24:00 of the day, by district, with its curve."""
    from shoutu.services.public.bulletin import bulletin as run

    found: dict[str, Any] = run(ctx, the_day(ctx, date)).as_json()
    return found


@router.get("/map")
def district_map(ctx: Public, date: Day = None) -> dict[str, Any]:
    """The districts' polygons with the day's cases (GeoJSON FeatureCollection) and the risk
    areas of the public list as points (``areas``: region, level, measure, lat, lon)."""
    from shoutu.services.public.bulletin import public_map

    return public_map(ctx, the_day(ctx, date))


@router.get("/risk-areas")
def risk_areas(ctx: Public, date: Day = None) -> dict[str, Any]:
    """The public list of risk areas in force on the day, with the changes up to it."""
    from shoutu.services.public.areas import public_areas

    found: dict[str, Any] = public_areas(ctx, the_day(ctx, date)).as_json()
    return found


@router.get("/trajectories")
def trajectories(ctx: Public, date: Day = None) -> dict[str, Any]:
    """The places and widened time windows of the cases reported in the 14 days to the day
    (病例活动轨迹): no person, no case, no count."""
    from shoutu.services.public.self_check import published_windows, windows_json

    day = the_day(ctx, date)
    return {"date": day.isoformat(), "windows": windows_json(published_windows(ctx, day))}


class Visit(BaseModel):
    place_id: int = Field(ge=1, le=2**63 - 1)
    start: dt.datetime = Field(description="Time in, with its offset.")
    end: dt.datetime = Field(description="Time out, with its offset.")


class Visits(BaseModel):
    date: dt.date | None = None
    visits: list[Visit] = Field(min_length=1, max_length=50)


@router.post("/self-check")
def self_check(body: Visits, ctx: Public) -> dict[str, Any]:
    """Was I at a place and time of a case? The published windows the visits overlapped (the
    visits are not stored)."""
    from shoutu.services.public.self_check import check_visits

    day = the_day(ctx, body.date)
    found = check_visits(ctx, day, [(v.place_id, v.start, v.end) for v in body.visits])
    return {"date": day.isoformat(), "exposed": bool(found), "exposures": found}


__all__ = ["router"]
