"""The simulator's control files: ``contacts.parquet`` (the contacts it traced, see
``sim/contacts.py`` for what traced and controlled mean) and ``quarantine.parquet`` (its
episodes of control, with their stages and due test days).

An episode's stages and test days come from the shared rule (``rules.quarantine.stages``)
with the arithmetic of the platform's ``services/control/episodes.plan``: days counted from
the midnight that starts the anchor's day, so a test on episode day ``k`` falls on the day of
the first midnight at or after ``anchor + k - 1`` days. Simulator days are the run's local
days (day 0 is the start date's midnight). A case's isolation is one stage, ``isolation``,
to its planned release, with no test days (the simulator does not sample isolated cases).

``test_days`` are the plan's, all of them: the simulator samples a person on a test day only
when, at noon, the person's latest episode begun before that day holds them and they are not
isolated — not on days before control began or on the day it began (the day's samples are
taken before the day's tracing), nor after an isolation or a later episode took over.
``end_time`` is as before: the end of quarantine (centralised or at home), or the isolation
that cut it short; health monitoring, when the protocol has it, runs on to
``planned_end_time``.

Ids: ``contact_id`` and ``episode_id`` are 1-based row numbers of their files, as
``case_id`` is of ``cases.parquet``; ``person_id`` and ``place_id`` are index + 1.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa

from shoutu.domain.vocabulary import ControlKind
from shoutu.protocols.schema import Quarantine
from shoutu.rules.quarantine import stages
from shoutu.sim.contacts import CONTACT_KINDS
from shoutu.sim.control import Episodes
from shoutu.sim.transmission import SETTINGS

DAY_US = 86_400_000_000
UTC_US = pa.timestamp("us", tz="UTC")
STAGE = pa.struct(
    [
        ("kind", pa.string()),
        ("start", UTC_US),
        ("planned_end", UTC_US),
        ("test_days", pa.list_(pa.date32())),
    ]
)


#: the columns of ``ContactLog.merged``
CONTACT_COLUMNS = (
    "person",
    "case",
    "via",
    "kind",
    "setting",
    "place",
    "last",
    "identified",
    "controlled",
    "episode",
)


def micros(days: np.ndarray, day0_us: int) -> np.ndarray:
    """Microseconds since the epoch of times in days since day 0 (inf: 0, masked by callers)."""
    finite = np.isfinite(days)
    offsets: np.ndarray = np.rint(np.where(finite, days, 0) * DAY_US).astype(np.int64)
    return day0_us + offsets


def timestamps(days: np.ndarray, day0_us: int) -> pa.Array:
    """Timestamps from times in days since day 0 (inf = null), to the microsecond."""
    return pa.array(micros(days, day0_us), UTC_US, mask=~np.isfinite(days))


def _optional(index: np.ndarray) -> pa.Array:
    return pa.array(index.astype(np.int64) + 1, pa.int64(), mask=index < 0)


def _labels(values: list[Any], index: np.ndarray) -> pa.Array:
    return pa.array([str(values[int(i)]) for i in index], pa.string())


def episode_stages(
    rules: Quarantine, anchor_us: int, start_us: int, day0_us: int, first: dt.date
) -> list[dict[str, Any]]:
    """An episode's stages (times in microseconds, test days as dates) by the shared rule,
    counted from ``anchor_us``, control beginning at ``start_us``; ``first`` is day 0's date."""
    day = (anchor_us - day0_us) // DAY_US
    origin = day0_us + day * DAY_US
    anchor_day = first + dt.timedelta(days=int(day))
    return [
        {
            "kind": s.kind.value,
            "start": origin + round(s.start * DAY_US),
            "planned_end": origin + round(s.end * DAY_US),
            "test_days": [anchor_day + dt.timedelta(days=round(t)) for t in s.test_days],
        }
        for s in stages(rules, (anchor_us - origin) / DAY_US, (start_us - origin) / DAY_US)
    ]


def case_ids(persons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(case persons sorted, their case ids) from cases.parquet's persons in file order."""
    order = np.argsort(persons, kind="stable")
    return persons[order], order.astype(np.int64) + 1


def case_index(lookup: tuple[np.ndarray, np.ndarray], persons: np.ndarray) -> np.ndarray:
    """Case ids (1-based) of people who are cases (0-based ids: -1 where none)."""
    sorted_persons, ids = lookup
    at = np.clip(np.searchsorted(sorted_persons, persons), 0, max(len(ids) - 1, 0))
    if not len(ids):
        return np.full(len(persons), -1, np.int64)
    found = sorted_persons[at] == persons
    result: np.ndarray = np.where(found, ids[at] - 1, -1)
    return result


def contacts_table(
    rows: dict[str, np.ndarray], lookup: tuple[np.ndarray, np.ndarray], day0_us: int
) -> pa.Table:
    """contacts.parquet: one row per contact traced (``ContactLog`` columns)."""
    n = len(rows["person"])
    return pa.table(
        {
            "contact_id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
            "index_case_id": _optional(case_index(lookup, rows["case"])),
            "person_id": pa.array(rows["person"].astype(np.int64) + 1),
            "kind": _labels(CONTACT_KINDS, rows["kind"]),
            "setting": _labels(SETTINGS, rows["setting"]),
            "place_id": _optional(rows["place"]),
            "last_exposure_time": timestamps(rows["last"], day0_us),
            "identified_time": timestamps(rows["identified"], day0_us),
            "controlled_time": timestamps(rows["controlled"], day0_us),
            "episode_id": _optional(rows["episode"]),
            "via_person_id": _optional(rows["via"]),
        }
    )


def episode_columns(
    episodes: Episodes,
    lookup: tuple[np.ndarray, np.ndarray],
    contact_case: np.ndarray,
    day0_us: int,
    first: dt.date,
) -> dict[str, pa.Array]:
    """quarantine.parquet's columns after person, kind, start, end and reason: the episode's
    id, case (the isolated case, or the index case of its contact: ``contact_case``, case
    index by contact index), contact, anchor, planned end, stages and test days."""
    person = np.asarray(episodes.person, np.int64)
    start = np.asarray(episodes.start, float)
    end = np.asarray(episodes.end, float)
    anchor = np.asarray(episodes.anchor, float)
    contact = np.asarray(episodes.contact, np.int64)
    start_us, end_us, anchor_us = (micros(t, day0_us) for t in (start, end, anchor))
    planned: list[list[dict[str, Any]]] = []
    known: dict[tuple[int, int, int], list[dict[str, Any]]] = {}  # episodes alike: one plan
    anchors, starts = anchor_us.tolist(), start_us.tolist()
    for i, rules in enumerate(episodes.rules):
        if rules is not None:
            key = (id(rules), anchors[i], starts[i])
            if key not in known:
                known[key] = episode_stages(rules, key[1], key[2], day0_us, first)
            planned.append(known[key])
            continue
        release = int(end_us[i]) if np.isfinite(end[i]) else None
        planned.append(
            [
                {
                    "kind": ControlKind.ISOLATION.value,
                    "start": int(start_us[i]),
                    "planned_end": release,
                    "test_days": [],
                }
            ]
        )
    by_contact = np.append(contact_case, -1)[np.where(contact >= 0, contact, len(contact_case))]
    case = np.where(contact >= 0, by_contact, case_index(lookup, person))
    return {
        "episode_id": pa.array(np.arange(1, len(person) + 1, dtype=np.int64)),
        "case_id": _optional(case),
        "contact_id": _optional(contact),
        "anchor_time": timestamps(anchor, day0_us),
        "planned_end_time": pa.array(
            [p[-1]["planned_end"] if p else None for p in planned], UTC_US
        ),
        "stages": pa.array(planned, pa.list_(STAGE)),
        "test_days": pa.array(
            [[d for s in p for d in s["test_days"]] for p in planned], pa.list_(pa.date32())
        ),
    }


__all__ = [
    "CONTACT_COLUMNS",
    "STAGE",
    "case_ids",
    "case_index",
    "contacts_table",
    "episode_columns",
    "episode_stages",
    "micros",
    "timestamps",
]
