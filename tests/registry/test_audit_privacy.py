"""Nothing leaked (trust issue, item 10): the audit trail holds no personal values (names and
birth dates only masked, identifiers only as keyed hashes), reading it is itself audited, and
masked views mask the birth date as they do the ID number."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from paths import DATA
from shoutu.services import audit
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.registry.people import get_person
from shoutu.store.tables import AuditEvent, table

PLAINTEXT = ("张伟", "李娜", "1980-01-01", "1981-02-04", "310101198001010114", "13800138000")


def _trail(ctx: ServiceContext) -> list[dict[str, object]]:
    with ctx.connect() as conn:
        return [dict(r) for r in conn.execute(select(table(AuditEvent))).mappings()]


def test_the_trail_holds_no_personal_values(ctx: ServiceContext, tmp_path: Path) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    changed = tmp_path / "changed.csv"
    changed.write_text("person_id,name,birth_date\n1001,张伟民,1980-01-01\n")
    import_file(ctx, "people", changed)
    get_person(ctx, 1001, reveal=True, purpose="contact tracing of case 12")
    text = json.dumps([{k: v for k, v in e.items() if k != "at"} for e in _trail(ctx)], default=str)
    for value in (*PLAINTEXT, "张伟民"):
        assert value not in text, value
    created = [e for e in _trail(ctx) if e["entity"] == "people" and e["entity_id"] == "1001"]
    first = created[0]["after"]
    assert isinstance(first, dict)
    assert first["name"] == "张*" and first["birth_date"] == "1980-**-**"
    assert len(str(first["id_number_hash"])) == 64  # a keyed hash, not the number
    update = next(e for e in created if e["action"] == "update")
    assert update["before"] == {"name": "张*"} and update["after"] == {"name": "张**"}


def test_reading_the_trail_is_audited(ctx: ServiceContext) -> None:
    import_file(ctx, "regions", DATA / "regions.csv")
    before = len(_trail(ctx))
    events = audit.recent(ctx, entity="regions", limit=5)
    assert len(events) == 5
    trail = _trail(ctx)
    assert len(trail) == before + 1
    read = trail[-1]
    assert (read["action"], read["entity"], read["entity_id"]) == (
        "read",
        "audit_events",
        "regions",
    )
    assert read["after"] == {"entity": "regions", "limit": 5} and read["actor"] == "tester"


def test_masked_views_mask_the_birth_date(ctx: ServiceContext) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    masked = get_person(ctx, 1001)
    assert masked.birth_date == "1980-**-**" and masked.name == "张*"
    shown = get_person(ctx, 1001, reveal=True, purpose="contact tracing of case 12")
    assert shown.birth_date == "1980-01-01" and shown.name == "张伟"


def test_audit_list_shows_no_personal_values_and_is_audited(
    ctx: ServiceContext, cli_env: dict[str, str]
) -> None:
    """`shoutu audit list`, the command people read the trail with: the people's imports and
    a reveal, shown without a name, birth date, ID number or phone, and the listing audited."""
    from typer.testing import CliRunner

    from shoutu.cli.app import app

    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    get_person(ctx, 1001, reveal=True, purpose="contact tracing of case 12")
    before = len(_trail(ctx))
    for args in (["audit", "list", "--entity", "people"], ["audit", "list", "--json"]):
        shown = CliRunner().invoke(app, args)
        assert shown.exit_code == 0, shown.output
        assert "1001" in shown.output and "contact tracing of case 12" in shown.output
        for value in ("张伟", "1980-01-01", "19800101", "310101198001010114", "13800138000"):
            assert value not in shown.output
    trail = _trail(ctx)
    assert len(trail) == before + 2
    assert [(e["action"], e["entity"]) for e in trail[-2:]] == [("read", "audit_events")] * 2
