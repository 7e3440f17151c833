"""Region codes and their arithmetic: 12-digit statistical division codes (GB/T 2260 county
prefix; province 2, city 4, district 6, town 9, community 12 significant digits, the rest
zeros) and 16-digit building codes under a community; the code at a level of the tree that
contains a code; a subtree's prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from shoutu.domain.identifiers import IdentifierError
from shoutu.domain.vocabulary import RegionLevel

#: significant digits of a code at each level
LEVEL_DIGITS: dict[RegionLevel, int] = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.DISTRICT: 6,
    RegionLevel.TOWN: 9,
    RegionLevel.COMMUNITY: 12,
    RegionLevel.BUILDING: 16,
}
_LEVELS = list(LEVEL_DIGITS)
# (start, end) digits of each level's own part of a 12-digit code
_SEGMENTS: tuple[tuple[int, int], ...] = ((0, 2), (2, 4), (4, 6), (6, 9), (9, 12))


@dataclass(frozen=True)
class RegionCode:
    """A parsed region code: its level and its parent's code (None for a province)."""

    code: str
    level: RegionLevel
    parent: str | None

    @property
    def county(self) -> str:
        """The 6-digit GB/T 2260 county code."""
        return self.code[:6]

    @property
    def prefix(self) -> str:
        """The prefix every code in this region's subtree starts with."""
        return self.code[: LEVEL_DIGITS[self.level]]


@lru_cache(maxsize=1 << 16)  # a city's files repeat a few thousand codes millions of times
def parse_region_code(text: str) -> RegionCode:
    """Parse a 12-digit division code or a 16-digit building code.

    The level is the longest non-zero prefix among 2/4/6/9/12 digits (16 for buildings); the
    parent is the code with that level's digits zeroed, at the next level up.
    """
    code = text.strip()
    if not code.isdigit() or len(code) not in (12, 16):
        raise IdentifierError("must be 12 digits (division code) or 16 digits (building)")
    if len(code) == 16:
        if code[12:] == "0000":
            raise IdentifierError("building suffix 0000 is not a building")
        if parse_region_code(code[:12]).level != RegionLevel.COMMUNITY:
            raise IdentifierError("a building must belong to a community (digits 10-12 non-zero)")
        return RegionCode(code, RegionLevel.BUILDING, code[:12])
    if code[:2] == "00":
        raise IdentifierError("province digits cannot be 00")
    filled = [bool(code[a:b].strip("0")) for a, b in _SEGMENTS]
    level_index = max(i for i, f in enumerate(filled) if f)
    if not all(filled[: level_index + 1]):
        raise IdentifierError("a level above this one is zero: codes must nest")
    level = _LEVELS[level_index]
    if level_index == 0:
        return RegionCode(code, level, None)
    parent = code[: _SEGMENTS[level_index - 1][1]].ljust(12, "0")
    return RegionCode(code, level, parent)


def level_code(code: str | None, level: RegionLevel) -> str | None:
    """The code of the region at ``level`` containing ``code`` (None if ``code`` is above it)."""
    if not code:
        return None
    parsed = parse_region_code(code)
    if _LEVELS.index(parsed.level) < _LEVELS.index(level):
        return None
    if level == RegionLevel.BUILDING:
        return parsed.code
    return parsed.code[: LEVEL_DIGITS[level]].ljust(12, "0")


__all__ = ["LEVEL_DIGITS", "RegionCode", "level_code", "parse_region_code"]
