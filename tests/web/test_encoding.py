"""The web layer's fast JSON-ready encoding gives FastAPI's ``jsonable_encoder`` answers on the
services' types, nested any way."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from fastapi.encoders import jsonable_encoder
from hypothesis import given
from hypothesis import strategies as st

from shoutu.domain.vocabulary import CaseStatus, ControlKind
from shoutu.web.encoding import plain


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 3


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.datetimes(timezones=st.timezones()),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.sampled_from([*CaseStatus, *ControlKind, *Level]),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.uuids(),
)
keys = st.one_of(st.text(), st.integers(), st.sampled_from(list(CaseStatus)))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(keys, inner, max_size=4),
    ),
    max_leaves=30,
)


@given(values)
def test_plain_is_jsonable_encoder(value: Any) -> None:
    assert plain(value) == jsonable_encoder(value)
    assert type(plain(value)) is type(jsonable_encoder(value))


def test_a_row_of_a_page() -> None:
    row = {
        "case_id": 7,
        "status": CaseStatus.ACTIVE,
        "report_time": dt.datetime(2022, 3, 1, 8, tzinfo=dt.UTC),
        "onset_date": dt.date(2022, 2, 27),
        "ct": Decimal("31.5"),
        "pools": [1, (2, 3)],
    }
    shown = plain(row)
    assert shown == jsonable_encoder(row)
    assert shown["report_time"] == "2022-03-01T08:00:00+00:00" and shown["ct"] == 31.5
    assert shown["status"] == "active" and type(shown["status"]) is str
    assert shown["pools"] == [1, [2, 3]]
