"""SQLite's text of a UTC time is the one SQLAlchemy writes (stored rows and bound values
compare as before), and reads back as the same instant, aware, in UTC."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import DateTime

from shoutu.store.types import UTCDateTime

DIALECT = sqlite.dialect()
WRITE = UTCDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
READ = UTCDateTime().dialect_impl(DIALECT).result_processor(DIALECT, None)
SQLALCHEMY = DateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
zones = st.sampled_from(
    [dt.UTC, dt.timezone(dt.timedelta(hours=8)), dt.timezone(dt.timedelta(hours=-9, minutes=-30))]
)
times = st.datetimes(
    min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2999, 12, 30), timezones=zones
)


@given(times)
def test_written_as_sqlalchemy_writes_and_read_back(value: dt.datetime) -> None:
    text = WRITE(value)
    assert text == SQLALCHEMY(value.astimezone(dt.UTC).replace(tzinfo=None))
    back = READ(text)
    assert back == value and back.tzinfo == dt.UTC


def test_other_texts_read() -> None:
    assert READ(None) is None and WRITE(None) is None
    assert READ("2022-04-02 10:00:00") == dt.datetime(2022, 4, 2, 10, tzinfo=dt.UTC)
    assert READ("2022-04-02 18:00:00.5+08:00") == dt.datetime(
        2022, 4, 2, 10, 0, 0, 500000, tzinfo=dt.UTC
    )
    assert READ("2022-04-02T10:00:00Z") == dt.datetime(2022, 4, 2, 10, tzinfo=dt.UTC)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        WRITE(dt.datetime(2022, 4, 2, 10))
