"""While a unit of work is open the collector is held back, and its thresholds come back when
the last unit ends, also when one fails."""

from __future__ import annotations

import gc

import pytest

from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.gc_pause import HELD, fewer_collections


def test_a_unit_holds_the_collector_back_and_gives_it_back(ctx: ServiceContext) -> None:
    before = gc.get_threshold()
    assert before[0] < HELD[0]  # the default: not held
    with writing(ctx) as unit:
        assert gc.get_threshold()[0] == HELD[0] and gc.isenabled()
        with fewer_collections():  # nested: still held, and still held after it
            assert gc.get_threshold()[0] == HELD[0]
        assert gc.get_threshold()[0] == HELD[0]
        unit.put_meta("gc-test", "1")
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), writing(ctx):
        assert gc.get_threshold()[0] == HELD[0]
        raise RuntimeError("the unit fails")
    assert gc.get_threshold() == before
