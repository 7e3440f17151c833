"""Daily health checks (居家健康监测: temperature and symptoms, morning and evening) of people
under control: ``control check`` records one report; ``services/control/checks_import.py``
a file of them, by the same rules.

A report links to the person's episode in force at its time (an episode of one of
``CHECKED_KINDS``, started by then, not ended, not cancelled; the latest started when several
are); a person not under control then is refused. The same person and time again with the
same temperature and symptoms changes nothing (the channel is not compared: a report sent by
the app and again in an export is one report); with other values it is refused, and the first
report stands. A temperature outside ``PLAUSIBLE_CELSIUS`` (a sanity range, not a protocol
value), an unknown symptom or a time in the future is refused. Fever or one of the protocol's
test symptoms opens a symptom test on the episode (``symptom_tests.py``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from shoutu.domain.timeutil import CLOCK_SKEW, utcnow, zone
from shoutu.domain.vocabulary import CheckChannel, ControlKind, ControlStatus, Right, Symptom
from shoutu.errors import BadRequest, Conflict, NotFound, ProtocolError
from shoutu.protocols.schema import HealthChecks, Protocol
from shoutu.rules.health_checks import is_fever, test_reasons
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.symptom_tests import Call, Outcome, open_symptom_tests
from shoutu.services.guard import refusals, require, writable
from shoutu.services.registry.imports.fields import BadValue
from shoutu.store.repositories import checks as repo
from shoutu.store.repositories import locks
from shoutu.store.repositories import measures as measures_repo
from shoutu.store.repositories import people as people_repo

#: the kinds of episode whose people report their health daily
CHECKED_KINDS = (
    ControlKind.CENTRALISED,
    ControlKind.HOME,
    ControlKind.HEALTH_MONITORING,
    ControlKind.ISOLATION,
    ControlKind.POST_RELEASE_MONITORING,
)
#: temperatures (°C) a report may plausibly give: a sanity range, not a protocol value
PLAUSIBLE_CELSIUS = (34.0, 43.0)
LOCK = "shoutu.control.checks"  # one writer of checks at a time: one open test per episode


def health_rules(protocol: Protocol) -> HealthChecks:
    """The protocol's ``health_checks`` rules; a protocol without them is a ProtocolError."""
    if protocol.health_checks is None:
        raise ProtocolError(
            f"protocol {protocol.name} has no health_checks section (reports a day, fever, "
            "test symptoms): add one, or use a protocol that has it"
        )
    return protocol.health_checks


def parse_symptoms(text: str) -> tuple[Symptom, ...]:
    """Symptoms separated by commas or semicolons (values, English or Chinese labels); empty
    or ``none``: none. In the vocabulary's order, each once; an unknown one is a ValueError."""
    return Symptom.parse_many(text)


def check_temperature(value: float) -> float:
    """A temperature in °C within ``PLAUSIBLE_CELSIUS``, else a BadValue (a ValueError)
    saying so."""
    low, high = PLAUSIBLE_CELSIUS
    if not math.isfinite(value) or not low <= value <= high:
        hint = " (°F? give °C)" if 93 <= value <= 110 else ""
        raise BadValue(f"{value:g} °C is outside {low:g}..{high:g} °C{hint}")
    return value


@dataclass(frozen=True)
class Report:
    """One health check as reported."""

    person_id: int
    check_time: dt.datetime
    temperature: float
    symptoms: tuple[Symptom, ...]
    channel: CheckChannel


def stage_kind(episode: dict[str, Any], at: dt.datetime) -> str:
    """The kind of the stage an episode is in at ``at`` (past its last stage: the last)."""
    kind = str(episode["kind"])
    for stage in episode.get("stages") or ():
        kind = stage["kind"]
        if at < dt.datetime.fromisoformat(stage["planned_end"]):
            break
    return kind


def in_force(episode: dict[str, Any], at: dt.datetime) -> bool:
    end = episode["end_time"]
    return bool(
        ControlKind(episode["kind"]) in CHECKED_KINDS
        and episode["status"] != ControlStatus.CANCELLED
        and episode["start_time"] <= at
        and (end is None or end > at)
    )


def episode_at(episodes: Sequence[dict[str, Any]], at: dt.datetime) -> dict[str, Any] | None:
    """The episode in force at ``at`` among a person's (the latest started), if any."""
    found = [e for e in episodes if in_force(e, at)]
    return max(found, key=lambda e: (e["start_time"], e["measure_id"])) if found else None


@dataclass(frozen=True)
class Checked:
    """A report against the store: its episode then (None: not under control), the check
    already stored at its person and time (if any), and the problems as (field, reason)."""

    report: Report
    episode: dict[str, Any] | None
    stored: dict[str, Any] | None
    problems: list[tuple[str, str]]


def _local(stamp: dt.datetime, tz: str) -> str:
    return stamp.astimezone(zone(tz)).isoformat()


def against_store(
    conn: Connection, reports: Sequence[Report], *, now: dt.datetime, tz: str
) -> list[Checked]:
    """Each report's episode in force and stored twin, with what refuses it: not under
    control then, a different report already stored at its time, a time after ``now``
    (local times of ``tz`` in the reasons)."""
    if not reports:
        return []
    times = [r.check_time for r in reports]
    people = sorted({r.person_id for r in reports})
    episodes = measures_repo.in_force_between(
        conn, person_ids=people, start=min(times), end=max(times)
    )
    stored = repo.at_times(conn, keys=[(r.person_id, r.check_time) for r in reports])
    checked: list[Checked] = []
    for r in reports:
        problems: list[tuple[str, str]] = []
        when = _local(r.check_time, tz)
        if r.check_time > now + CLOCK_SKEW:
            problems.append(("check_time", f"{when} is in the future"))
        episode = episode_at(episodes.get(r.person_id, []), r.check_time)
        if episode is None:
            problems.append(("person_id", f"person {r.person_id} is not under control at {when}"))
        twin = stored.get((r.person_id, r.check_time))
        if twin is not None:
            problems += differences(
                r, twin["temperature"], twin["symptoms"] or [], "the stored report"
            )
        checked.append(Checked(r, episode, twin, problems))
    return checked


def differences(
    report: Report, temperature: float | None, symptoms: Sequence[str], first: str
) -> list[tuple[str, str]]:
    """(field, reason) for each value where ``report`` differs from the ``first`` report of
    its person and time (``the stored report``, ``row 3``): the first report stands."""
    found: list[tuple[str, str]] = []

    def said(value: str) -> str:
        return (
            f"person {report.person_id} already reported {value} at this time ({first}); "
            "the first report stands"
        )

    if temperature is None or not math.isclose(temperature, report.temperature, abs_tol=1e-6):
        shown = "no temperature" if temperature is None else f"{temperature:g} °C"
        found.append(("temperature", said(shown)))
    if sorted(symptoms) != sorted(s.value for s in report.symptoms):
        found.append(("symptoms", said(", ".join(symptoms) or "no symptoms")))
    return found


@dataclass(frozen=True)
class Recorded:
    """A report recorded (``new``) or found already stored, and its symptom test if it
    called for one."""

    check: dict[str, Any]  # the stored row, with its check_id
    episode: dict[str, Any]
    new: bool
    reasons: list[str]
    test: Outcome | None


def record(
    unit: Unit, protocol: Protocol, rules: HealthChecks, checked: Sequence[Checked]
) -> list[Recorded]:
    """Record the new reports of ``checked`` (all without problems; ``stored`` ones and
    repeats of an earlier one are left as they are) linked to their episodes, and open the
    symptom tests the new ones call for. Audited in ``unit``."""
    rows: list[dict[str, Any]] = []  # to insert
    seen: dict[tuple[int, dt.datetime], dict[str, Any]] = {}
    done: list[tuple[Checked, dict[str, Any], bool]] = []
    for c in checked:
        assert not c.problems and c.episode is not None, "record only checked reports"
        key = (c.report.person_id, c.report.check_time)
        if c.stored is not None or key in seen:  # stored before, or a repeat in this batch
            done.append((c, c.stored if c.stored is not None else seen[key], False))
            continue
        seen[key] = {
            "person_id": c.report.person_id,
            "measure_id": c.episode["measure_id"],
            "check_time": c.report.check_time,
            "temperature": c.report.temperature,
            "symptoms": [s.value for s in c.report.symptoms],
            "channel": c.report.channel,
        }
        rows.append(seen[key])
        done.append((c, seen[key], True))
    ids = repo.add(unit.conn, rows=[{**row, **unit.stamp} for row in rows])
    unit.created("health_checks", ids, rows)
    for check_id, row in zip(ids, rows, strict=True):
        row["check_id"] = check_id
    reasons = [test_reasons(rules, c.report.temperature, c.report.symptoms) for c, _, _ in done]
    calls = [
        Call(c.episode, c.report.check_time, why)
        for (c, _, new), why in zip(done, reasons, strict=True)
        if new and why and c.episode is not None
    ]
    outcomes = iter(open_symptom_tests(unit, protocol, rules, calls))
    recorded: list[Recorded] = []
    for (c, row, new), why in zip(done, reasons, strict=True):
        assert c.episode is not None
        test = next(outcomes) if new and why else None
        recorded.append(Recorded(row, c.episode, new, why, test))
    return recorded


@dataclass
class CheckResult:
    """What ``control check`` did."""

    protocol: str
    recorded: Recorded
    fever: bool
    tz: str

    def as_json(self) -> dict[str, Any]:
        row, test = self.recorded.check, self.recorded.test
        note = None
        if not self.recorded.new:
            note = "the same report was recorded before: nothing changed"
        elif test is not None and not test.opened:
            note = f"a symptom test is already open (task {test.task_id}): none opened"
        return {
            "check_id": row["check_id"],
            "person_id": row["person_id"],
            "episode_id": self.recorded.episode["measure_id"],
            "kind": stage_kind(self.recorded.episode, row["check_time"]),
            "check_time": _local(row["check_time"], self.tz),
            "temperature": row["temperature"],
            "symptoms": list(row["symptoms"] or []),
            "channel": str(row["channel"]),
            "recorded": self.recorded.new,
            "protocol": self.protocol,
            "fever": self.fever,
            "test_reasons": self.recorded.reasons,
            "symptom_test": None
            if test is None
            else {
                "task_id": test.task_id,
                "opened": test.opened,
                "due": None if test.due is None else _local(test.due, self.tz),
            },
            "note": note,
        }


def record_check(
    ctx: ServiceContext,
    person_id: int,
    *,
    temperature: float,
    symptoms: Sequence[Symptom] = (),
    at: dt.datetime | None = None,
    channel: CheckChannel = CheckChannel.APP,
    protocol: str | None = None,
) -> CheckResult:
    """Record one report (at ``at``, default now) by the protocol's health-check rules:
    NotFound for an unknown person, BadRequest for an implausible temperature, Conflict for
    a person not under control then or a different report already at that time."""
    loaded, _ = ctx.protocol(protocol)
    rules = health_rules(loaded)
    try:
        check_temperature(temperature)
    except ValueError as exc:
        raise BadRequest(f"{{temperature}}: {exc}") from None
    now = utcnow()
    when = at if at is not None else now.replace(microsecond=0)
    if when > now + CLOCK_SKEW:
        raise BadRequest(f"{{time}}: {_local(when, ctx.settings.timezone)} is in the future")
    report = Report(
        person_id, when.astimezone(dt.UTC), temperature, tuple(symptoms), CheckChannel(channel)
    )
    with refusals(ctx, "health_checks", person_id), writing(ctx, detail="health check") as unit:
        require(ctx, Right.EDIT_CASES)
        locks.serialise(unit.conn, name=LOCK)
        found = people_repo.get(unit.conn, person_id=person_id, within=ctx.principal.view)
        if found is None:
            raise NotFound(f"no person {person_id}")
        writable(ctx, found["home_region_code"], f"person {person_id}")
        [checked] = against_store(unit.conn, [report], now=now, tz=ctx.settings.timezone)
        if checked.problems:
            raise Conflict("; ".join(reason for _, reason in checked.problems))
        [done] = record(unit, loaded, rules, [checked])
    return CheckResult(loaded.name, done, is_fever(rules, temperature), ctx.settings.timezone)


__all__ = [
    "CHECKED_KINDS",
    "PLAUSIBLE_CELSIUS",
    "CheckResult",
    "Checked",
    "Recorded",
    "Report",
    "against_store",
    "check_temperature",
    "differences",
    "episode_at",
    "health_rules",
    "parse_symptoms",
    "record",
    "record_check",
    "stage_kind",
]
