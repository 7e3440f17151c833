"""The audit trail cannot be edited undetected (trust issue, item 11): each write unit's
events are chained by hash and units linked in order; `shoutu audit verify` reports the first
broken link. A purpose that reveals personal data is a sentence, not `x`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Connection, delete, func, select, update
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
    assert (
        report.ok and report.units == 5 and report.unchained == 0
    )  # init's key, 3 imports, 1 read
    with ctx.connect() as conn:
        first = conn.execute(select(EVENTS).order_by(EVENTS.c.event_id)).mappings().first()
    assert first and (first["entity"], first["entity_id"], first["detail"]) == (
        "store_meta",
        "key_fingerprint",
        "init",
    )
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
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(f"error: audit trail broken: event {victim}:")
    )


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


def test_verify_changes_nothing_and_finds_events_outside_the_chain(ctx: ServiceContext) -> None:
    """verify only reads: a unit whose link is missing is counted, not linked (repair links
    it); an event without a unit after the chain began is broken; the head is reported."""
    from shoutu.services.maintenance import repair

    _load(ctx)
    intact = audit.verify(ctx)
    with ctx.connect() as conn:
        last, head = conn.execute(
            select(LINKS.c.seq, LINKS.c.head).order_by(LINKS.c.seq.desc()).limit(1)
        ).one()
    assert intact.head == head
    with ctx.transaction() as conn:  # the writer died between its commit and its link
        conn.execute(delete(LINKS).where(LINKS.c.seq == last))
    report = audit.verify(ctx)
    assert report.ok and report.unlinked == 1 and report.units == intact.units - 1
    assert audit.verify(ctx).unlinked == 1  # still: verify linked nothing
    repair(ctx)
    assert audit.verify(ctx).unlinked == 0
    with ctx.transaction() as conn:  # an event slipped in without a unit
        conn.execute(
            EVENTS.insert().values(
                at=intact_time(conn), actor="x", action="read", entity="people", entity_id="1"
            )
        )
        inserted = conn.execute(select(func.max(EVENTS.c.event_id))).scalar_one()
    broken = audit.verify(ctx).broken
    assert broken is not None and (broken["at"], broken["id"]) == ("outside", inserted)


def intact_time(conn: Connection) -> object:
    return conn.execute(select(func.max(EVENTS.c.at))).scalar_one()


def test_a_unit_that_cannot_be_linked_is_not_written(
    ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The link is the unit's last write, in its transaction: when it cannot be made,
    nothing of the unit stands (no rows, no events, nothing for repair to link), and the
    same import afterwards writes it all, linked."""
    from shoutu.errors import StoreUnavailable
    from shoutu.store.tables import Region

    def busy(*_: object, **__: object) -> int:
        raise StoreUnavailable("the store is busy")

    before = audit.verify(ctx)
    monkeypatch.setattr(audit, "_join", busy)
    with pytest.raises(StoreUnavailable):
        import_file(ctx, "regions", DATA / "regions.csv")
    monkeypatch.undo()
    with ctx.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table(Region))).scalar_one() == 0
    failed = audit.verify(ctx)
    assert failed.ok and failed.unlinked == 0 and failed.events == before.events
    import_file(ctx, "regions", DATA / "regions.csv")
    report = audit.verify(ctx)
    assert report.ok and report.unlinked == 0 and report.units == before.units + 1


def test_a_purpose_is_a_sentence(ctx: ServiceContext) -> None:
    _load(ctx)
    for bad in ("x", "check", "  "):
        with pytest.raises(BadRequest, match="purpose"):
            get_person(ctx, 1001, reveal=True, purpose=bad)
    assert get_person(ctx, 1001, reveal=True, purpose="流调溯源病例").masked is False


def test_a_made_up_unit_is_not_linked_by_repair(ctx: ServiceContext) -> None:
    """A unit slipped in without a link, whose events' hashes do not hold, is reported by
    verify and left out of the chain by repair (only a dead writer's intact unit is linked)."""
    from shoutu.services.maintenance import repair

    _load(ctx)
    with ctx.transaction() as conn:
        conn.execute(
            EVENTS.insert().values(
                at=intact_time(conn),
                actor="x",
                action="read",
                entity="people",
                entity_id="1",
                unit="made-up",
                pos=0,
                hash="0" * 64,
            )
        )
        inserted = conn.execute(select(func.max(EVENTS.c.event_id))).scalar_one()
    report = audit.verify(ctx)
    assert not report.ok and report.broken is not None
    assert (report.broken["at"], report.broken["id"], report.broken["unit"]) == (
        "event",
        inserted,
        "made-up",
    )
    repair(ctx)
    with ctx.connect() as conn:
        assert conn.execute(select(LINKS.c.seq).where(LINKS.c.unit == "made-up")).first() is None
    assert not audit.verify(ctx).ok
