"""Dates and timestamps: local days for protocols, timezone-aware UTC for storage.

Dates are ``YYYY-MM-DD`` unless a ``date_format`` (strptime) is given. Timestamps are ISO 8601;
a naive timestamp is read as local time in the configured zone and converted to UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shoutu.errors import BadRequest

UTC = dt.UTC


@lru_cache(maxsize=32)
def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``, with a clear error for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name)") from None


class NotADate(ValueError):
    """A date in another format than expected; ``parameter`` names the option that reads it."""

    parameter = "date_format"


_DAY_MONTH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _looks_like(text: str) -> str:
    """What a dd/mm/yyyy or mm/dd/yyyy date looks like, as strptime formats."""
    found = _DAY_MONTH.match(text)
    if not found:
        return ""
    first, second = int(found.group(1)), int(found.group(2))
    sep = text[len(found.group(1))]
    day_first, month_first = f"%d{sep}%m{sep}%Y", f"%m{sep}%d{sep}%Y"
    if first > 12:
        return day_first
    if second > 12:
        return month_first
    return f"{day_first} or {month_first}"


def parse_date(value: object, date_format: str | None = None) -> dt.date:
    """A date from a ``date``, a ``datetime`` (its date) or text (ISO or ``date_format``)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if date_format:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            raise ValueError(f"{text!r} does not match the date format {date_format!r}") from None
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        looks = _looks_like(text)
        if looks:
            raise NotADate(
                f"{text!r} is not a date (expected YYYY-MM-DD); it looks like {looks}: give "
                "that date format"
            ) from None
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def parse_timestamp(value: object, tz: str, date_format: str | None = None) -> dt.datetime:
    """A timezone-aware UTC timestamp; naive input is local time in ``tz``."""
    if isinstance(value, dt.datetime):
        stamp = value
    else:
        text = str(value).strip()
        try:
            if date_format:
                stamp = dt.datetime.strptime(text, date_format)
            else:
                stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            expected = (
                repr(date_format) if date_format else "ISO 8601, e.g. 2022-03-20T08:30:00+08:00"
            )
            raise ValueError(f"{text!r} is not a timestamp (expected {expected})") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=zone(tz))
    return stamp.astimezone(UTC)


def local_date(stamp: dt.datetime, tz: str) -> dt.date:
    """The local calendar day of a timestamp (protocol days are local days)."""
    return stamp.astimezone(zone(tz)).date()


#: how far ahead of the clock a reported time may be (clocks of phones differ)
CLOCK_SKEW = dt.timedelta(minutes=5)


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def not_in_future(at: dt.datetime | None, parameter: str = "at") -> dt.datetime:
    """``at`` (default now); a BadRequest naming ``parameter`` when it is later than now
    (allowing ``CLOCK_SKEW``)."""
    now = utcnow()
    if at is not None and at > now + CLOCK_SKEW:
        raise BadRequest(f"{{{parameter}}}: in the future")
    return at or now


def start_of_day(day: dt.date, tz: str) -> dt.datetime:
    """A local day's first moment (00:00), in UTC."""
    return dt.datetime.combine(day, dt.time(), zone(tz)).astimezone(UTC)


def end_of_day(day: dt.date, tz: str) -> dt.datetime:
    """The last moment of a local day (24:00 less a microsecond), in UTC."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone(tz))
    return midnight.astimezone(UTC) - dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class Window:
    """The dates a value may plausibly fall on (both ends included)."""

    low: dt.date
    high: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.low <= day <= self.high

    def __str__(self) -> str:
        return f"{self.low}..{self.high}"


def parse_window(text: str, today: dt.date) -> Window:
    """``FROM..TO``: ISO dates, or ``today``/``tomorrow`` (relative to ``today``)."""

    def end(part: str) -> dt.date:
        word = part.strip().lower()
        if word == "today":
            return today
        if word == "tomorrow":
            return today + dt.timedelta(days=1)
        return parse_date(part)

    low, sep, high = text.partition("..")
    if not sep:
        raise ValueError(
            f"{text!r} is not a date window (expected FROM..TO, e.g. 2000-01-01..tomorrow)"
        )
    window = Window(end(low), end(high))
    if window.low > window.high:
        raise ValueError(f"{text!r}: the window ends before it starts")
    return window
