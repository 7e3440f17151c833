"""An audit event's content: values made audit-ready (no ciphertexts, no stamps, personal
values masked), encoded once as the trail's canonical JSON for the event's hash and its row,
and the hashes that chain events in a unit and units in the trail."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from json import encoder as _json_encoder
from json.encoder import encode_basestring
from typing import Any

from shoutu.store.types import Encoded

STAMPS = frozenset({"created_at", "updated_at", "updated_by"})


Masks = Mapping[str, Callable[[Any], Any]]


def jsonable(
    values: Mapping[str, Any], exclude: frozenset[str] = frozenset(), masks: Masks | None = None
) -> dict[str, Any]:
    """Audit-ready values: personal values masked by ``masks`` (column -> mask), dates as
    ISO text, vocabulary as its value, no ciphertexts, no stamps, no working values (keys
    starting ``_``)."""
    skipped = STAMPS | exclude if exclude else STAMPS
    if not masks:  # the common case, in one comprehension (an import audits every row)
        return {
            name: value if type(value) in _PLAIN else _ready(value)
            for name, value in values.items()
            if name not in skipped and name[0] != "_" and not isinstance(value, bytes)
        }
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in skipped or name[0] == "_":
            continue
        mask = masks.get(name) if value is not None else None
        if mask is None and type(value) in _PLAIN:  # most values (vocabulary is not plain)
            out[name] = value
        elif isinstance(value, bytes):
            continue
        elif mask is not None:
            out[name] = mask(value)
        else:
            out[name] = _ready(value)
    return out


def _ready(value: Any) -> Any:
    """A value as audit values hold it: dates as ISO text, vocabulary as its value."""
    if isinstance(value, enum.Enum):
        return value._value_
    if isinstance(value, dt.datetime):
        return _iso_texts(value)[0]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _iso_texts(value: dt.datetime) -> tuple[str, str]:
    """A time's ISO text, and the same quoted as JSON, remembered: a batch's rows share a few
    (isoformat: 1.4 µs)."""
    key = (value, value.tzinfo, value.fold)  # equal instants in other zones read apart
    texts = _ISO.get(key)
    if texts is None:
        if len(_ISO) >= 65_536:
            _ISO.clear()
        text = value.isoformat()
        texts = _ISO[key] = (text, encode_basestring(text))
    return texts


_ISO: dict[tuple[dt.datetime, dt.tzinfo | None, int], tuple[str, str]] = {}


_PLAIN = frozenset({str, int, float, bool, type(None)})
#: json.dumps with these options, built once (dumps builds an encoder per call otherwise)
_CONTENT = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)
#: the same encoding without JSONEncoder.encode's per-call set-up (CPython's C encoder)
_MAKE: Any = getattr(_json_encoder, "c_make_encoder", None)
_C_CONTENT: Any = (
    None
    if _MAKE is None
    else _MAKE(None, str, encode_basestring, None, ": ", ", ", True, False, True)
)


def canonical(value: Any) -> str:
    """``value`` as the audit trail's JSON: sorted keys, non-ASCII as it is, other types as
    their ``str``."""
    if _C_CONTENT is None:
        return _CONTENT.encode(value)
    return "".join(_C_CONTENT(value, 0))


@functools.lru_cache(maxsize=1024)
def _moment(at: dt.datetime) -> str:
    """An event's time as its hash holds it, encoded (a unit's events share one)."""
    return encode_basestring(at.astimezone(dt.UTC).isoformat())


def _piece(value: Any) -> str:
    """One part of an event's content as JSON (its values come encoded from the writer)."""
    kind = type(value)
    if kind is Encoded:
        encoded: str = value
        return encoded
    if kind is str:
        quoted: str = encode_basestring(value)
        return quoted
    if kind is int:
        return str(value)
    return "null" if value is None else canonical(value)


def event_hash(previous: str, event: Mapping[str, Any]) -> str:
    """An event's link in its unit's chain: the hash of the one before and its content (the
    JSON list of its time, actor, action, entity, id, values before and after, detail, unit
    and place, each part encoded on its own: the values once, for the hash and the row)."""
    head = content_head(event["at"], event["actor"], event["action"], event["entity"])
    tail = content_tail(event["detail"], event["unit"])
    return chained_hash(
        previous, head, event["entity_id"], event["before"], event["after"], tail, event["pos"]
    )


def content_head(at: dt.datetime, actor: str, action: Any, entity: str) -> str:
    """The start of an event's content (the same for a batch's events)."""
    what = encode_basestring(str(getattr(action, "value", action)))
    return f"{_moment(at)}, {_piece(actor)}, {what}, {_piece(entity)}"


def content_tail(detail: str | None, unit: str) -> str:
    return f"{_piece(detail)}, {_piece(unit)}"


def chained_hash(
    previous: str, head: str, entity_id: Any, before: Any, after: Any, tail: str, pos: int
) -> str:
    # the usual parts inline (a batch hashes an event per row); others by _piece
    key = encode_basestring(entity_id) if type(entity_id) is str else _piece(entity_id)
    old = "null" if before is None else _piece(before)
    new = after if type(after) is Encoded else _piece(after)
    at = int.__repr__(pos) if type(pos) is int else _piece(pos)
    text = f"[{head}, {key}, {old}, {new}, {tail}, {at}]"
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


def encoded_values(value: Any) -> Any:
    """An event's values before or after, encoded once (mappings made audit-ready first)."""
    if value is None:
        return None
    return Encoded(canonical(jsonable(value) if isinstance(value, Mapping) else value))


def encoded_rows(rows: Iterable[Any]) -> list[Any]:
    """Each of a batch's values encoded as :func:`encoded_values` would, faster: rows that
    share their columns share the plan of what to keep and in which order, and common values
    are encoded here, not by a general encoder (a batch of 525,000 task rows: 4 µs a row)."""
    plans: dict[tuple[Any, ...], list[tuple[str, str]] | None] = {}
    out: list[Any] = []
    for row in rows:
        if type(row) is not dict:
            out.append(encoded_values(row))
            continue
        names = tuple(row)
        plan = plans.get(names, _UNPLANNED)
        if plan is _UNPLANNED:
            plan = plans[names] = _plan(names)
        if plan is None:
            out.append(encoded_values(row))
            continue
        parts: list[str] = []
        for name, prefix in plan:
            value = row[name]
            kind = type(value)
            if kind is str:
                parts.append(prefix + encode_basestring(value))
            elif value is None:
                parts.append(prefix + "null")
            elif kind is int:
                parts.append(prefix + int.__repr__(value))
            elif kind is dt.datetime:
                parts.append(prefix + _iso_texts(value)[1])
            elif isinstance(value, enum.Enum):
                text = _MEMBERS.get(value)
                if text is None:
                    text = _MEMBERS[value] = canonical(value._value_)
                parts.append(prefix + text)
            elif not isinstance(value, bytes):  # ciphertexts are dropped
                parts.append(prefix + canonical(_ready(value)))
        out.append(Encoded("{" + ", ".join(parts) + "}"))
    return out


_UNPLANNED: Any = object()


def _plan(names: tuple[Any, ...]) -> list[tuple[str, str]] | None:
    """The columns an audit value keeps, sorted, each with its encoded key (None: a key
    that is not text, left to the general encoder)."""
    if not all(type(n) is str for n in names):
        return None
    kept = sorted(n for n in names if n not in STAMPS and n[:1] != "_")
    return [(n, encode_basestring(n) + ": ") for n in kept]


#: vocabulary members as JSON (equal members hold equal values: the same text)
_MEMBERS: dict[enum.Enum, str] = {}


def link_hash(previous: str, unit: str, events: int, last: str) -> str:
    """The chain's next head after a unit: the head before, the unit, its count, its last."""
    return hashlib.sha256(f"{previous}\n{unit}\n{events}\n{last}".encode()).hexdigest()
