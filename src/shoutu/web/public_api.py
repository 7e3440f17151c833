"""/api/v1/public: what anyone may read without logging in — the day's bulletin (figures and
curve), its district map (GeoJSON) and the public list of risk areas. De-identified only:
counts by district and day, areas by region code."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from shoutu.web.auth import Public
from shoutu.web.problems import ERRORS

router = APIRouter(prefix="/api/v1/public", responses=ERRORS, tags=["public"])
Day = Annotated[dt.date | None, Query(description="The day (default: the latest).")]


def the_day(ctx: Public, day: dt.date | None) -> dt.date:
    from shoutu.services.public.bulletin import latest_day

    return day if day is not None else latest_day(ctx)


@router.get("/bulletin")
def bulletin(ctx: Public, date: Day = None) -> dict[str, Any]:
    """The daily bulletin's figures as of 24:00 of the day, by district, with its curve."""
    from shoutu.services.public.bulletin import bulletin as run

    found: dict[str, Any] = run(ctx, the_day(ctx, date)).as_json()
    return found


@router.get("/map")
def district_map(ctx: Public, date: Day = None) -> dict[str, Any]:
    """The districts' polygons with the day's cases (GeoJSON FeatureCollection)."""
    from shoutu.services.public.bulletin import bulletin as run
    from shoutu.services.public.bulletin import district_map as shape

    return shape(run(ctx, the_day(ctx, date)))


@router.get("/risk-areas")
def risk_areas(ctx: Public, date: Day = None) -> dict[str, Any]:
    """The public list of risk areas in force on the day, with the changes up to it."""
    from shoutu.services.public.areas import public_areas

    found: dict[str, Any] = public_areas(ctx, the_day(ctx, date)).as_json()
    return found


__all__ = ["router"]
