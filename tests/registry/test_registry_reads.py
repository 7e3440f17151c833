"""Reads of personal data: masked views, reveal with a purpose, and every read audited."""

from __future__ import annotations

import pytest

from paths import DATA
from shoutu.domain.vocabulary import AuditAction, IdType
from shoutu.errors import BadRequest
from shoutu.services import audit as audit_log
from shoutu.services.context import ServiceContext
from shoutu.services.registry import people as registry
from shoutu.services.registry.imports.specs import import_file


@pytest.fixture
def loaded(ctx: ServiceContext) -> ServiceContext:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    return ctx


def test_views_are_masked_and_reads_audited(loaded: ServiceContext) -> None:
    view = registry.get_person(loaded, 1001)
    assert view.masked
    assert view.id_number == "310***********0114"
    assert view.phone == "138****8000"
    assert view.name == "张*"
    events = audit_log.recent(loaded, entity="people", entity_id="1001", limit=1)
    assert events[0]["action"] == AuditAction.READ and events[0]["actor"] == "tester"


def test_reveal_needs_a_purpose_and_is_audited_as_pii(loaded: ServiceContext) -> None:
    with pytest.raises(BadRequest, match="purpose"):
        registry.get_person(loaded, 1001, reveal=True)
    view = registry.get_person(loaded, 1001, reveal=True, purpose="case investigation 42")
    assert (view.id_number, view.phone, view.name) == ("310101198001010114", "13800138000", "张伟")
    event = audit_log.recent(loaded, entity="people", entity_id="1001", limit=1)[0]
    assert event["action"] == AuditAction.READ_PII
    assert event["detail"] == "case investigation 42"


def test_find_by_identifier_uses_the_keyed_hash(loaded: ServiceContext) -> None:
    assert registry.find_by_id_number(loaded, "310101198001010114").person_id == 1001
    passport = registry.find_by_id_number(loaded, "E12345678", id_type=IdType.PASSPORT)
    assert passport.person_id == 1004
    with pytest.raises(registry.NotFound):
        registry.find_by_id_number(loaded, "E12345678")  # not a resident ID
    probe = audit_log.recent(loaded, entity="people", limit=1)[0]  # probing is audited too
    assert probe["action"] == AuditAction.READ and probe["entity_id"] == ""
    assert "no person" in probe["detail"] and "E12345678" not in str(probe)
    with pytest.raises(registry.NotFound):
        registry.get_person(loaded, 999)
