"""Date and timestamp parsing: local naive input, UTC storage, protocol days."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoutu.domain.timeutil import local_date, parse_date, parse_timestamp


def test_naive_timestamps_are_local_time() -> None:
    stamp = parse_timestamp("2022-03-20 07:30:00", "Asia/Shanghai")
    assert stamp == dt.datetime(2022, 3, 19, 23, 30, tzinfo=dt.UTC)
    assert local_date(stamp, "Asia/Shanghai") == dt.date(2022, 3, 20)


def test_offsets_are_respected() -> None:
    assert parse_timestamp("2022-03-20T07:30:00Z", "Asia/Shanghai").hour == 7
    assert parse_timestamp("2022-03-20T07:30:00-05:00", "Asia/Shanghai").hour == 12


def test_date_formats() -> None:
    assert parse_date("2022-03-20") == dt.date(2022, 3, 20)
    assert parse_date("2022/03/20", "%Y/%m/%d") == dt.date(2022, 3, 20)
    with pytest.raises(ValueError, match="expected YYYY-MM-DD"):
        parse_date("20/03/2022")
    with pytest.raises(ValueError, match="expected YYYY-MM-DD"):
        parse_date("2022-3-20")
    with pytest.raises(ValueError, match="does not match the date format"):
        parse_date("2022-03-20", "%d/%m/%Y")


def test_unknown_zone() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_timestamp("2022-03-20 07:30", "Mars/Olympus")


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)))
def test_iso_dates_round_trip(day: dt.date) -> None:
    assert parse_date(day.isoformat()) == day


@given(
    st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"]),
)
def test_timestamps_are_utc_and_keep_the_instant(naive: dt.datetime, zone: str) -> None:
    stamp = parse_timestamp(naive.isoformat(), zone)
    assert stamp.tzinfo is dt.UTC
    again = parse_timestamp(stamp.isoformat(), zone)
    assert again == stamp
