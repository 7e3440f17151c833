"""Opaque cursors (base64url of the last row's sort key) and pages of a list."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from shoutu.errors import BadRequest
from shoutu.web.encoding import plain


class Page(BaseModel):
    """One page of a list; ``next_cursor`` fetches the next (absent on the last page)."""

    items: list[dict[str, Any]]
    next_cursor: str | None = None


def encode(key: Sequence[Any]) -> str:
    text = json.dumps(plain(list(key)), separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str | None, parts: Sequence[Callable[[Any], Any]]) -> tuple[Any, ...] | None:
    """The sort key a cursor holds, each part parsed by ``parts`` (BadRequest if it is not a
    cursor this API gave)."""
    if cursor is None:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(parts):
            raise ValueError
        return tuple(parse(value) for parse, value in zip(parts, raw, strict=True))
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("the {cursor} is not one this API gave") from None


def after_id(cursor: str | None) -> int | None:
    """The last id a cursor of an id-ordered list holds (None: the first page)."""
    found = decode(cursor, (integer,))
    return None if found is None else int(found[0])


def timestamp(value: Any) -> dt.datetime:
    found = dt.datetime.fromisoformat(str(value))
    if found.tzinfo is None:
        raise ValueError("naive")
    return found.astimezone(dt.UTC)  # OverflowError at the ends of the calendar


def day(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value))


def integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise ValueError("not a stored id")
    return value


def page(
    rows: list[dict[str, Any]], limit: int, key: Callable[[dict[str, Any]], Sequence[Any]]
) -> Page:
    """A page of ``rows`` (fetched with ``limit`` + 1 to know whether more follow)."""
    more = len(rows) > limit
    shown = rows[:limit]
    return Page(
        items=plain(shown),
        next_cursor=encode(key(shown[-1])) if more and shown else None,
    )


__all__ = ["Page", "after_id", "day", "decode", "encode", "integer", "page", "timestamp"]
