"""GB 11643 ID numbers, region codes and masks (with Hypothesis properties)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoutu.domain.identifiers import (
    IdentifierError,
    make_resident_id,
    mask_id_number,
    mask_name,
    mask_phone,
    resident_id_check_char,
    validate_phone,
    validate_resident_id,
)
from shoutu.domain.regions import parse_region_code
from shoutu.domain.vocabulary import RegionLevel

# The worked example printed in GB 11643-1999 itself.
STANDARD_EXAMPLE = "11010519491231002X"

counties = st.from_regex(r"[1-6][0-9]{5}", fullmatch=True)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31))


def test_standard_example_is_valid() -> None:
    assert validate_resident_id(STANDARD_EXAMPLE.lower()) == STANDARD_EXAMPLE
    assert resident_id_check_char(STANDARD_EXAMPLE[:17]) == "X"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("110105194912310021", "bad checksum: last character should be X"),
        ("11010519491231002", "18 characters"),
        ("11010519491331002X", "not a date"),
        ("1101051949123100AX", "18 characters"),
    ],
)
def test_invalid_ids_say_why(value: str, reason: str) -> None:
    with pytest.raises(IdentifierError, match=reason):
        validate_resident_id(value)


@given(counties, births, st.integers(0, 999))
def test_made_ids_validate(county: str, born: dt.date, seq: int) -> None:
    value = make_resident_id(county, born, seq)
    assert validate_resident_id(value) == value
    assert value[6:14] == born.strftime("%Y%m%d")


@given(counties, births, st.integers(0, 999), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(
    county: str, born: dt.date, seq: int, position: int, delta: int
) -> None:
    value = make_resident_id(county, born, seq)
    changed = value[:position] + str((int(value[position]) + delta) % 10) + value[position + 1 :]
    with pytest.raises(IdentifierError):
        validate_resident_id(changed)


def test_masks() -> None:
    assert mask_id_number(STANDARD_EXAMPLE) == "110***********002X"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_name("张三丰") == "张**"
    assert mask_name("J") == "*"


@given(st.text(min_size=8, max_size=40))
def test_masks_keep_length_and_hide_the_middle(text: str) -> None:
    masked = mask_id_number(text)
    assert len(masked) == len(text)
    assert masked[3:-4] == "*" * (len(text) - 7)


def test_phone_normalisation() -> None:
    assert validate_phone("138-0013 8000") == "13800138000"
    assert validate_phone("+8613700137000") == "+8613700137000"
    with pytest.raises(IdentifierError):
        validate_phone("call me")


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("310000000000", RegionLevel.PROVINCE, None),
        ("310100000000", RegionLevel.CITY, "310000000000"),
        ("310101000000", RegionLevel.DISTRICT, "310100000000"),
        ("310101002000", RegionLevel.TOWN, "310101000000"),
        ("310101002001", RegionLevel.COMMUNITY, "310101002000"),
        ("3101010020010007", RegionLevel.BUILDING, "310101002001"),
    ],
)
def test_region_levels_and_parents(code: str, level: RegionLevel, parent: str | None) -> None:
    parsed = parse_region_code(code)
    assert (parsed.level, parsed.parent) == (level, parent)
    assert parsed.county == code[:6]


@pytest.mark.parametrize(
    "code",
    [
        "31010100200",
        "3101010020010000",
        "310001000000",
        "000000000000",
        "3101A1000000",
        "3101010000000001",
    ],
)
def test_bad_region_codes(code: str) -> None:
    with pytest.raises(IdentifierError):
        parse_region_code(code)


@given(st.from_regex(r"[0-9]{12}|[0-9]{16}", fullmatch=True))
def test_region_parent_chain_ends_at_a_province(code: str) -> None:
    try:
        parsed = parse_region_code(code)
    except IdentifierError:
        return
    steps = 0
    while parsed.parent is not None:
        parent = parse_region_code(parsed.parent)
        assert list(RegionLevel).index(parent.level) < list(RegionLevel).index(parsed.level)
        assert code.startswith(parent.code.rstrip("0")[: len(parent.code.rstrip("0"))])
        parsed = parent
        steps += 1
    assert parsed.level is RegionLevel.PROVINCE and steps <= 5
