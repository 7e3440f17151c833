"""An event's hash is the one its chain has always used (trust issue, item 11): values encoded
once on writing, for the hash and the row, give the hash of the whole content encoded
together, and so does the event as read back from the row."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shoutu.domain.vocabulary import AuditAction, TaskKind
from shoutu.services import audit_content
from shoutu.store.types import Encoded

_OLD = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)


def _old_hash(previous: str, event: dict[str, Any]) -> str:
    """The hash as first written: the content list encoded in one call."""
    content = [
        event["at"].astimezone(dt.UTC).isoformat(),
        event["actor"],
        str(getattr(event["action"], "value", event["action"])),
        event["entity"],
        event["entity_id"],
        event["before"],
        event["after"],
        event["detail"],
        event["unit"],
        event["pos"],
    ]
    return hashlib.sha256(f"{previous}\n{_OLD.encode(content)}".encode()).hexdigest()


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(list(TaskKind)),
    st.dates(),
    st.datetimes(timezones=st.just(dt.UTC)),
)
nested = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(max_size=8)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
rows = st.dictionaries(
    st.text(min_size=1, max_size=10).filter(lambda k: not k.startswith("_")),
    st.one_of(scalars, nested),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(
    before=st.none() | rows,
    after=st.none() | rows,
    detail=st.none() | st.text(max_size=20),
    entity_id=st.text(max_size=10),
    pos=st.integers(0, 10**6),
)
def test_encoded_once_gives_the_chain_hash(
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    detail: str | None,
    entity_id: str,
    pos: int,
) -> None:
    event = {
        "at": dt.datetime(2022, 4, 2, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        "actor": "审计员",
        "action": AuditAction.CREATE,
        "entity": "tasks",
        "entity_id": entity_id,
        "before": audit_content.encoded_values(before),
        "after": audit_content.encoded_values(after),
        "detail": detail,
        "unit": "u1",
        "pos": pos,
    }
    written = audit_content.event_hash("0" * 64, event)
    for side in ("before", "after"):
        assert event[side] is None or type(event[side]) is Encoded
    ready = {
        **event,
        "before": None if before is None else audit_content.jsonable(before),
        "after": None if after is None else audit_content.jsonable(after),
    }
    assert written == _old_hash("0" * 64, ready)
    read_back = {
        **event,
        "before": None if before is None else json.loads(event["before"]),
        "after": None if after is None else json.loads(event["after"]),
    }
    assert audit_content.event_hash("0" * 64, read_back) == written


def test_a_known_event_keeps_its_hash() -> None:
    """Pinned: a change of the encoding would break every stored chain."""
    event = {
        "at": dt.datetime(2022, 4, 2, 2, 30, tzinfo=dt.UTC),
        "actor": "bench",
        "action": AuditAction.CREATE,
        "entity": "tasks",
        "entity_id": "7",
        "before": None,
        "after": audit_content.encoded_values(
            {"title": "隔离期检测", "due_time": dt.date(2022, 4, 3), "n": 1.5}
        ),
        "detail": "import contacts",
        "unit": "abc",
        "pos": 0,
    }
    assert event["after"] == '{"due_time": "2022-04-03", "n": 1.5, "title": "隔离期检测"}'
    assert audit_content.event_hash("0" * 64, event) == _old_hash(
        "0" * 64, {**event, "after": json.loads(event["after"])}
    )
    assert audit_content.event_hash("0" * 64, event) == PINNED


PINNED = "d1aa53e54a263a983714c359381bb85e9870de770e69386cf5ffe1c8cf6311b7"  # by the code before


zones = st.sampled_from(
    [dt.UTC, dt.timezone(dt.timedelta(hours=8)), dt.timezone(dt.timedelta(hours=-5))]
)
batch_values = st.one_of(
    scalars,
    nested,
    st.binary(max_size=4),  # a ciphertext: dropped
    st.datetimes(timezones=zones),
    st.just(Encoded('{"a": 1}')),
    st.sampled_from(list(AuditAction)),
)
batch_rows = st.dictionaries(
    st.sampled_from(["kind", "title", "created_at", "updated_by", "_work", "due", "n", "é"])
    | st.text(min_size=1, max_size=6),
    batch_values,
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | batch_rows, max_size=6))
def test_a_batch_encodes_each_row_as_one_row_alone(rows: list[dict[str, Any] | None]) -> None:
    """Rows of a batch (sharing their columns or not) get the text they would alone: the same
    keys kept (no stamps, no working values, no ciphertexts), in the same order, the same
    values; a time in another zone keeps its own offset."""
    encoded = audit_content.encoded_rows(rows)
    assert encoded == [audit_content.encoded_values(r) for r in rows]
    assert all(e is None or type(e) is Encoded for e in encoded)


def test_rows_sharing_columns_share_one_plan_but_not_their_values() -> None:
    at = dt.datetime(2022, 4, 2, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    rows = [
        {"title": "a", "due": at, "secret": b"x", "created_at": at},
        {"title": "b", "due": at.astimezone(dt.UTC), "secret": None, "created_at": at},
    ]
    assert audit_content.encoded_rows(rows) == [
        '{"due": "2022-04-02T08:00:00+08:00", "title": "a"}',
        '{"due": "2022-04-02T00:00:00+00:00", "secret": null, "title": "b"}',
    ]
