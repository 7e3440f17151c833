"""Column types shared by the tables and the migrations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, String
from sqlalchemy.types import TypeDecorator

from shoutu.domain.vocabulary import Labeled

#: Auto-incrementing 64-bit key (SQLite only auto-increments an INTEGER PRIMARY KEY).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        stamp: dt.datetime = value
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC)


class Vocab(TypeDecorator[Labeled]):
    """A vocabulary enum stored as its string value (VARCHAR(32)); validated on write."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum: type[Labeled]) -> None:
        super().__init__()
        self.enum = enum
        self._values = frozenset(m.value for m in enum)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        text = str.__str__(value) if isinstance(value, str) else value
        if text not in self._values:  # a set lookup: this runs for every row of a bulk write
            return self.enum(value).value
        return text

    def process_result_value(self, value: Any, dialect: Dialect) -> Labeled | None:
        return None if value is None else self.enum(value)
