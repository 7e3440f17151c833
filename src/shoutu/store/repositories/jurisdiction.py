"""A jurisdiction as SQL: the rows whose region code starts with one of its prefixes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from shoutu.domain.access import Jurisdiction


def inside(column: ColumnElement[Any], within: Jurisdiction) -> ColumnElement[bool]:
    """``column`` (a region code) lies in ``within`` (a NULL region only in the whole tree)."""
    if within.prefixes is None:
        return true()
    if not within.prefixes:
        return false()
    return or_(*(column.startswith(p, autoescape=True) for p in within.prefixes))


__all__ = ["inside"]
