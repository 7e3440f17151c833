"""The audit trail cannot be edited undetected (trust issue, item 11): each write unit's
events are chained by hash and units linked in order; `shoutu audit verify` reports the first
broken link. A purpose that reveals personal data is a sentence, not `x`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from paths import DATA
from shoutu.cli.app import app
from shoutu.errors import BadRequest
from shoutu.services import audit
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.registry.people import get_person
from shoutu.store.tables import AuditEvent, AuditLink, table

EVENTS, LINKS = table(AuditEvent), table(AuditLink)


def _load(ctx: ServiceContext) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    get_person(ctx, 1001, reveal=True, purpose="contact tracing of case 12")


def test_an_intact_trail_verifies(ctx: ServiceContext, cli_env: dict[str, str]) -> None:
    _load(ctx)
    report = audit.verify(ctx)
    assert report.ok and report.units == 4 and report.unchained == 0
    with ctx.connect() as conn:
        assert report.events == len(conn.execute(select(EVENTS.c.event_id)).all())
    result = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["ok"] is True


def test_an_edited_event_is_found(ctx: ServiceContext, cli_env: dict[str, str]) -> None:
    _load(ctx)
    with ctx.connect() as conn:
        victim = conn.execute(
            select(EVENTS.c.event_id).where(EVENTS.c.entity == "people").limit(1)
        ).scalar_one()
    with ctx.transaction() as conn:  # someone with database access rewrites history
        conn.execute(update(EVENTS).where(EVENTS.c.event_id == victim).values(actor="nobody"))
    report = audit.verify(ctx)
    assert not report.ok and report.broken is not None
    assert (report.broken["at"], report.broken["id"]) == ("event", victim)
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and f"event {victim}" in result.stdout


def test_removed_events_and_units_are_found(ctx: ServiceContext) -> None:
    _load(ctx)
    with ctx.connect() as conn:
        last = conn.execute(select(EVENTS.c.event_id).order_by(EVENTS.c.event_id.desc())).first()
        assert last is not None
    with ctx.transaction() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.event_id == last[0]))
    broken = audit.verify(ctx).broken
    assert broken is not None and broken["at"] == "unit"
    with ctx.transaction() as conn:
        first = conn.execute(select(LINKS.c.seq).order_by(LINKS.c.seq)).first()
        assert first is not None
        conn.execute(delete(LINKS).where(LINKS.c.seq == first[0]))
    broken = audit.verify(ctx).broken
    assert broken is not None and broken["at"] in ("link", "unit")


def test_a_purpose_is_a_sentence(ctx: ServiceContext) -> None:
    _load(ctx)
    for bad in ("x", "check", "  "):
        with pytest.raises(BadRequest, match="purpose"):
            get_person(ctx, 1001, reveal=True, purpose=bad)
    assert get_person(ctx, 1001, reveal=True, purpose="流调溯源病例").masked is False
