"""Venue co-presence with a case: close contact, spatiotemporal companion (时空伴随者) or
nothing, by the protocol's ``contacts`` values.

Without ``contacts.companions`` (the built-in editions) the venue rule decides alone: an
overlap of at least ``rules.venue.min_overlap_minutes`` (0: any overlap) makes a close
contact, anything shorter nothing. With it (a city variant), the venue's type picks its
class (``by_place_type``, else ``default``; an unknown type takes ``default``): an overlap of
at least ``close_minutes`` makes a close contact, else one of at least ``companion_minutes``
a companion. An overlap is always longer than zero; a threshold of None never holds.

Place types are indexes into ``PlaceType`` (-1: unknown); minutes are floats.
"""

from __future__ import annotations

import math

import numpy as np

from shoutu.domain.vocabulary import ContactKind, PlaceType, Setting
from shoutu.protocols.schema import Contacts

PLACE_TYPES: list[PlaceType] = list(PlaceType)
NONE, CLOSE, COMPANION = 0, 1, 2
KIND_OF: dict[int, ContactKind] = {CLOSE: ContactKind.CLOSE, COMPANION: ContactKind.COMPANION}


def thresholds(contacts: Contacts) -> dict[PlaceType | None, tuple[float, float]]:
    """(close, companion) minimum minutes per place type, ``None`` for every other or unknown
    type; ``inf`` where the class never holds."""

    def minutes(value: int | None) -> float:
        return math.inf if value is None else float(value)

    rules = contacts.companions
    venue = contacts.rules.get(Setting.VENUE)
    if rules is None:
        close = math.inf if venue is None else float(venue.min_overlap_minutes)
        return {None: (close, math.inf)}
    found: dict[PlaceType | None, tuple[float, float]] = {
        t: (minutes(c.close_minutes), minutes(c.companion_minutes))
        for t, c in rules.by_place_type.items()
    }
    found[None] = (minutes(rules.default.close_minutes), minutes(rules.default.companion_minutes))
    return found


def classify(contacts: Contacts, place_type: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """``CLOSE``, ``COMPANION`` or ``NONE`` for each co-presence of ``minutes`` at a venue of
    ``place_type`` (index into ``PLACE_TYPES``, -1 unknown)."""
    table = thresholds(contacts)
    default = table[None]
    close_at = np.array([table.get(t, default)[0] for t in PLACE_TYPES] + [default[0]])
    companion_at = np.array([table.get(t, default)[1] for t in PLACE_TYPES] + [default[1]])
    place_type = np.asarray(place_type, np.int64)
    at = np.where(place_type >= 0, place_type, len(PLACE_TYPES))
    minutes = np.asarray(minutes, float)
    positive = minutes > 0
    close = positive & (minutes >= close_at[at])
    companion = positive & ~close & (minutes >= companion_at[at])
    return np.where(close, CLOSE, np.where(companion, COMPANION, NONE)).astype(np.int8)


__all__ = ["CLOSE", "COMPANION", "KIND_OF", "NONE", "PLACE_TYPES", "classify", "thresholds"]
