"""The distinct ids of the day's samples (应检尽检's numerator), by bitmap or by sort, are the
same: ascending, each once, whatever the ids."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from shoutu.services.control.due import among, first_rows, unique_ids


@given(
    st.lists(st.integers(-5, 3_000), max_size=300) | st.lists(st.integers(0, 2**62), max_size=50)
)
def test_unique_ids_are_numpys(ids: list[int]) -> None:
    given_ids = np.array(ids, np.int64)
    found = unique_ids(given_ids)
    assert found.dtype == np.int64
    assert np.array_equal(found, np.unique(given_ids))


def test_a_city_of_ids_goes_by_bitmap() -> None:
    rng = np.random.default_rng(3)
    ids = rng.integers(1, 2_000_000, 1_500_000)
    assert np.array_equal(unique_ids(ids), np.unique(ids))


@given(
    st.lists(st.integers(-3, 3_000), max_size=200),
    st.lists(st.integers(-3, 3_000), max_size=200) | st.lists(st.integers(0, 2**62), max_size=9),
)
def test_among_is_isin(values: list[int], ids: list[int]) -> None:
    wanted = np.array(values, np.int64)
    distinct = np.unique(np.array(ids, np.int64))
    assert np.array_equal(among(wanted, distinct), np.isin(wanted, distinct))


@given(st.lists(st.integers(0, 400), max_size=300) | st.lists(st.integers(0, 2**62), max_size=30))
def test_first_rows_are_numpys(ids: list[int]) -> None:
    given_ids = np.array(ids, np.int64)
    assert np.array_equal(first_rows(given_ids), np.unique(given_ids, return_index=True)[1])
