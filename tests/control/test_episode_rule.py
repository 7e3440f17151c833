"""The one stage rule (``rules.quarantine.stages``) the service opens episodes by gives the
test days the simulator tests on (``is_test_day`` over ``episode_day``), for every edition and
contact kind, whatever the anchor's time of day."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from shoutu.protocols.loader import ProtocolRegistry
from shoutu.rules.quarantine import episode_day, is_test_day, stage_ends, stages
from shoutu.settings import get_settings

EDITIONS = ["cn-8th-2021", "cn-9th-2022", "us-cdc-2021", "who-2021"]


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("anchor", [3.0, 3.25, 3.999])
def test_service_stages_and_simulator_test_days_agree(edition: str, anchor: float) -> None:
    protocol = ProtocolRegistry(get_settings().protocol_dir).load(edition)
    q = protocol.quarantine
    for rules in (q.close_contact, q.secondary_contact, q.inbound_traveller):
        if rules is None:
            continue
        found = stages(rules, anchor)
        days = np.arange(0, 60, dtype=float)
        simulated = days[is_test_day(rules, episode_day(anchor, days).astype(np.int64))]
        assert [d for s in found for d in s.test_days] == simulated.tolist()
        ends = stage_ends(rules, anchor)
        assert found[-1].end == pytest.approx(float(ends.monitoring))
        assert all(a.end == b.start for a, b in pairwise(found))


def test_control_begins_no_earlier_than_identification() -> None:
    protocol = ProtocolRegistry(get_settings().protocol_dir).load("cn-9th-2022")
    rules = protocol.quarantine.close_contact
    [centralised, monitoring] = stages(rules, 1.5, start=4.0)
    assert (centralised.start, centralised.end) == (4.0, 8.5)
    assert (monitoring.start, monitoring.end) == (8.5, 11.5)
    assert centralised.test_days == (2.0, 3.0, 4.0, 6.0, 8.0)
