"""Field parsers for imported rows. Each takes the raw value and raises ValueError with a reason."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shoutu.domain.identifiers import MAX_INT_ID
from shoutu.domain.regions import parse_region_code
from shoutu.domain.timeutil import Window, local_date, parse_date, parse_timestamp
from shoutu.domain.vocabulary import Labeled

Parser = Callable[[Any, "ParseOptions"], Any]


class BadValue(ValueError):
    """A field value its parser refuses; the import reports it by row and field (as it does
    every ValueError of the domain's parsers), with the option that would accept it."""

    def __init__(self, reason: str, parameter: str | None = None) -> None:
        super().__init__(reason)
        self.parameter = parameter


@dataclass(frozen=True)
class ParseOptions:
    date_format: str | None
    timezone: str
    window: Window | None = None  # plausible event dates (None: any)
    today: dt.date | None = None  # for birth dates: not in the future

    def plausible(self, day: dt.date, *, planned: bool = False) -> None:
        """Refuse a day outside the window (a ``planned`` one, such as a quarantine's planned
        end, only before it)."""
        if self.window is None or day in self.window or (planned and day > self.window.high):
            return
        raise BadValue(
            f"{day} is outside the plausible dates {self.window}", parameter="allow_dates"
        )


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(max_length: int) -> Parser:
    def parse(value: Any, _: ParseOptions) -> str:
        result = str(value).strip()
        if len(result) > max_length:
            raise BadValue(f"longer than {max_length} characters")
        return result

    return parse


def integer(minimum: int = 0, maximum: int = MAX_INT_ID) -> Parser:
    def parse(value: Any, _: ParseOptions) -> int:
        if isinstance(value, bool):
            raise BadValue(f"{value!r} is not an integer")
        if isinstance(value, float):
            if not value.is_integer():
                raise BadValue(f"{value!r} is not an integer")
            number = int(value)
        elif isinstance(value, int):
            number = value
        else:
            raw = str(value).strip()
            try:
                number = int(raw)
            except ValueError:
                raise BadValue(f"{raw!r} is not an integer") from None
        if not minimum <= number <= maximum:
            raise BadValue(f"{number} is outside {minimum}..{maximum}")
        return number

    return parse


def number(minimum: float = -math.inf, maximum: float = math.inf) -> Parser:
    def parse(value: Any, _: ParseOptions) -> float:
        try:
            result = float(value)
        except (TypeError, ValueError):
            raise BadValue(f"{value!r} is not a number") from None
        if not math.isfinite(result) or not minimum <= result <= maximum:
            raise BadValue(f"{result} is outside {minimum}..{maximum}")
        return result

    return parse


def date(value: Any, options: ParseOptions) -> dt.date:
    """A date of an event, in the plausible window."""
    day = parse_date(value, options.date_format)
    options.plausible(day)
    return day


def timestamp(value: Any, options: ParseOptions) -> dt.datetime:
    """ISO 8601 (naive = local time in the configured zone) or a datetime, to aware UTC; its
    local day in the plausible window."""
    stamp = parse_timestamp(value, options.timezone, options.date_format)
    options.plausible(local_date(stamp, options.timezone))
    return stamp


def planned_timestamp(value: Any, options: ParseOptions) -> dt.datetime:
    """A time something is planned for: in the future is plausible, before the window not."""
    stamp = parse_timestamp(value, options.timezone, options.date_format)
    options.plausible(local_date(stamp, options.timezone), planned=True)
    return stamp


BIRTH_YEARS = 120  # nobody registered is older


def birth_date(value: Any, options: ParseOptions) -> dt.date:
    """A date of birth: not in the future, not more than BIRTH_YEARS ago."""
    day = parse_date(value, options.date_format)
    check_birth(day, options)
    return day


def check_birth(day: dt.date, options: ParseOptions) -> None:
    today = options.today or dt.date.today()
    if day > today:
        raise BadValue(f"{day} is in the future")
    if day.year < today.year - BIRTH_YEARS:
        raise BadValue(f"{day} is more than {BIRTH_YEARS} years ago")


def boolean(value: Any, _: ParseOptions) -> bool:
    if isinstance(value, bool):
        return value
    raw = str(value).strip().casefold()
    if raw in {"1", "true", "yes", "y", "t", "是"}:
        return True
    if raw in {"0", "false", "no", "n", "f", "否"}:
        return False
    raise BadValue(f"{value!r} is not true/false")


_VOCABULARIES: dict[Parser, type[Labeled]] = {}


def vocab(enum: type[Labeled]) -> Parser:
    known: dict[str, Labeled] = {}  # a file's column holds a few distinct spellings

    def parse(value: Any, _: ParseOptions) -> Labeled:
        text = str(value)
        found = known.get(text)
        if found is None:
            found = enum.parse(text)  # a bad value raises: never remembered
            if len(known) < 4096:
                known[text] = found
        return found

    _VOCABULARIES[parse] = enum
    return parse


def closed(parser: Parser) -> bool:
    """Whether the parser takes a closed set of values (a vocabulary, yes/no)."""
    return parser is boolean or parser in _VOCABULARIES


def region_code(value: Any, _: ParseOptions) -> str:
    return parse_region_code(str(value)).code


@dataclass(frozen=True)
class FieldSpec:
    """One input column: its parser, whether it is required, and a default when blank."""

    name: str
    parser: Parser
    required: bool = False
    default: Any = None
