"""/api/v1/checks: a community worker's round (the people under control in their
jurisdiction, what they owe today, masked contacts) and the health check they submit
(temperature, symptoms) — fever or symptoms open a symptom test by the protocol."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shoutu.domain.vocabulary import CheckChannel, Symptom
from shoutu.web.auth import Caller
from shoutu.web.problems import ERRORS

router = APIRouter(prefix="/api/v1", responses=ERRORS, tags=["checks"])


@router.get("/checks/round")
def check_round(
    ctx: Caller, date: Annotated[dt.date | None, Query(description="Default: today.")] = None
) -> dict[str, Any]:
    """Today's people to check, those who missed a report or have fever or symptoms first."""
    from shoutu.services.control.check_days import round_list
    from shoutu.web.public_api import plausible

    return round_list(ctx, None if date is None else plausible(ctx, date))


class CheckIn(BaseModel):
    person_id: int = Field(ge=1, le=2**63 - 1)
    temperature: float = Field(ge=30, le=45)
    symptoms: list[Symptom] = Field(default_factory=list, max_length=20)
    time: dt.datetime | None = Field(
        default=None, description="When it was taken (default: now); with an offset."
    )
    channel: CheckChannel = CheckChannel.VISIT


@router.post("/checks", responses={409: ERRORS[400] | {"description": "Not under control"}})
async def submit_check(body: CheckIn, ctx: Caller) -> dict[str, Any]:
    """Record one health check; the same report sent again (a retried offline form) changes
    nothing."""
    from shoutu.errors import BadRequest
    from shoutu.services.control.checks import record_check

    if body.time is not None and body.time.tzinfo is None:
        raise BadRequest("the {time} needs its offset (e.g. 2022-03-20T09:00:00+08:00)")
    found = await run_in_threadpool(
        lambda: record_check(
            ctx,
            body.person_id,
            temperature=body.temperature,
            symptoms=body.symptoms,
            at=body.time,
            channel=body.channel,
        )
    )
    shown: dict[str, Any] = found.as_json()
    return shown


__all__ = ["router"]
