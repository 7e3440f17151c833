"""Identifiers: GB 11643-1999 citizen ID numbers, phones, and masks for display (region codes:
``shoutu.domain.regions``)."""

from __future__ import annotations

import datetime as dt
import re

# GB 11643-1999: weights of the first 17 digits and the check character for sum mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

#: Largest integer id accepted in files (ids must survive a round trip through a float64).
MAX_INT_ID = 2**53 - 1


class IdentifierError(ValueError):
    """An identifier that does not follow its standard."""


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise IdentifierError("need exactly 17 digits to compute a check character")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def validate_resident_id(text: str) -> str:
    """Return the normalised 18-character ID number, or raise IdentifierError saying why."""
    value = text.strip().upper()
    if not _ID_RE.match(value):
        raise IdentifierError("must be 17 digits followed by a digit or X (18 characters)")
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdentifierError(f"birth date {value[6:14]} inside the ID is not a date") from None
    expected = resident_id_check_char(value[:17])
    if value[17] != expected:
        raise IdentifierError(f"bad checksum: last character should be {expected}")
    return value


def make_resident_id(county: str, birth: dt.date, sequence: int) -> str:
    """A checksum-valid ID number (for synthetic people): county code, birth date, sequence."""
    if len(county) != 6 or not county.isdigit():
        raise IdentifierError("county code must be 6 digits")
    first17 = f"{county}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def resident_id_birth_date(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def mask_middle(value: str, keep_start: int, keep_end: int, fill: str = "*") -> str:
    """Keep the first and last characters, replace the middle: ``110***********123X``."""
    if len(value) <= keep_start + keep_end:
        return fill * len(value)
    middle = len(value) - keep_start - keep_end
    return value[:keep_start] + fill * middle + value[len(value) - keep_end :]


def mask_id_number(value: str) -> str:
    return mask_middle(value, 3, 4)


def mask_phone(value: str) -> str:
    return mask_middle(value, 3, 4)


def mask_name(value: str) -> str:
    """张三丰 → 张**; John Smith → J*********."""
    return mask_middle(value, 1, 0) if value else value


def mask_birth_date(value: dt.date | str) -> str:
    """1980-01-01 → 1980-**-** (the year stays: age bands need it)."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return f"{text[:4]}-**-**"


_PHONE_RE = re.compile(r"^\+?\d[\d\- ]{5,19}$")


def validate_phone(text: str) -> str:
    value = text.strip()
    if not _PHONE_RE.match(value):
        raise IdentifierError("must be digits (optionally a leading + and separators), 6-20 long")
    return re.sub(r"[\- ]", "", value)
