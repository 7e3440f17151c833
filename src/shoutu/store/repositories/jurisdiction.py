"""A jurisdiction as SQL: the rows whose region code starts with one of its prefixes; and the
next page of a list a person pages through (keyset, descending)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, literal, or_, true, tuple_

from shoutu.domain.access import Jurisdiction


def inside(column: ColumnElement[Any], within: Jurisdiction) -> ColumnElement[bool]:
    """``column`` (a region code) lies in ``within`` (a NULL region only in the whole tree)."""
    if within.prefixes is None:
        return true()
    if not within.prefixes:
        return false()
    return or_(*(column.startswith(p, autoescape=True) for p in within.prefixes))


def before(
    key: ColumnElement[Any], ident: ColumnElement[Any], last: tuple[Any, int]
) -> ColumnElement[bool]:
    """Rows after ``last`` = (key, id) in a list ordered by key, then id, both descending
    (the next page of a keyset-paged list)."""
    at, row_id = last
    bound = tuple_(literal(at, type_=key.type), literal(row_id, type_=ident.type))
    return tuple_(key, ident) < bound  # a row value: an index range


__all__ = ["before", "inside"]
