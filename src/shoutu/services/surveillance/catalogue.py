"""The channel catalogue: the built-in surveillance channels and those users imported."""

from __future__ import annotations

from pathlib import Path

from shoutu.domain.vocabulary import Channel, SaleCategory
from shoutu.events.store import read_events

BUILT_IN = (
    "cases_report",
    "cases_onset",
    "ili_visits",
    "clinic_visits",
    "ili_share",
    "antigen_positives",
    "school_absence_ill",  # key places' daily reports: absences for illness at schools
    "key_place_symptomatic",  # and symptomatic people reported by any key place
    *(f"cases_{c.value}" for c in Channel),
    *(f"sales_{c.value}" for c in SaleCategory),
)


def user_channels(event_dir: Path) -> list[str]:
    """Names of the channels users imported."""
    table = read_events(event_dir, "series", columns=["channel"])
    if table.num_rows == 0:
        return []
    return sorted(set(table.column("channel").to_pylist()))


def channel_names(event_dir: Path | None = None) -> list[str]:
    """The built-in channels, and those users imported into ``event_dir``."""
    return [*BUILT_IN, *(user_channels(event_dir) if event_dir is not None else [])]


__all__ = ["BUILT_IN", "channel_names", "user_channels"]
