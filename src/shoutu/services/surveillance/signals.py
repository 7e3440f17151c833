"""Signals and their CIDARS response workflow.

``run_signals`` runs the configured detectors over their channels and turns each alarm on the
day into a Signal, extending an open signal of the same series that ended the day before
(deduplication over consecutive days). A run is idempotent: an alarm on a day that a signal
of its series already covers (any status) changes nothing — no signal, no extension, no
second response task, no audit event. A signal moves new → verifying → investigating →
confirmed or false alarm (a false alarm may be called at verification); each step records the
responsible unit and is audited; a new signal opens a signal-response task due within the
protocol's signal_response_hours, done by its first step. The deadline counts from when the
signal is raised: now, for the daily job (the alarm day is today or yesterday); the end of the
alarm day when replaying history, so a 2022 alarm is due in 2022.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection

from shoutu.analytics.detectors.base import Calendar
from shoutu.analytics.detectors.methods import METHODS, Plan, plan
from shoutu.domain.timeutil import end_of_day, local_date
from shoutu.domain.vocabulary import RegionLevel, Right, SignalStatus, TaskKind
from shoutu.errors import InputError, InvalidTransition, NotFound
from shoutu.protocols.schema import Protocol
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.guard import may_list, refusals, require, writable
from shoutu.services.supervision.tasks import (
    NewTask,
    Responsible,
    due_time,
    open_by_subject,
    open_tasks,
    settle,
)
from shoutu.services.surveillance.catalogue import channel_names
from shoutu.services.surveillance.channels import channel_matrix
from shoutu.store.repositories import entities
from shoutu.store.repositories import signals as repo
from shoutu.store.tables import Region, table


@dataclass(frozen=True)
class DetectorConfig:
    channel: str
    method: str  # any of analytics.detectors.methods.METHODS
    level: RegionLevel = RegionLevel.DISTRICT
    weekly: bool = False  # ISO weeks keyed by Monday, judged when the week is complete
    options: tuple[tuple[str, Any], ...] = ()  # R control settings, snake case

    def plan(self) -> Plan:
        return plan(self.method, dict(self.options))


#: The detectors ``signals run`` uses by default: sentinel and case channels, daily, EARS C2
#: (a guard band against the outbreak's own rise), per district.
DEFAULT_DETECTORS = (
    DetectorConfig("cases_report", "ears-c2"),
    DetectorConfig("ili_visits", "ears-c2"),
    DetectorConfig("sales_fever", "ears-c2"),
    DetectorConfig("antigen_positives", "ears-c2"),
)


def load_detectors(path: Path, event_dir: Path | None = None) -> tuple[DetectorConfig, ...]:
    """Detectors from a TOML file: ``[[detector]]`` tables with channel, method, level,
    weekly (true/false) and an ``options`` table of the method's R settings (snake case),
    e.g. ``options = {b = 3, w = 2, no_periods = 10}``. Channels: the built-in ones and those
    imported into ``event_dir``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError.single(str(path), f"cannot be read: {exc}") from None
    found = []
    for number, entry in enumerate(data.get("detector", []), start=1):

        def bad(field_name: str, reason: str, number: int = number) -> InputError:
            return InputError.single(str(path), f"detector {number}: field {field_name}: {reason}")

        channel, method = entry.get("channel"), entry.get("method", "ears-c2")
        if channel not in channel_names(event_dir):
            raise bad("channel", f"unknown channel {channel!r}")
        if method not in METHODS:
            raise bad("method", f"{method!r} is not one of {', '.join(METHODS)}")
        try:
            level = RegionLevel.parse(entry.get("level", "district"))
        except ValueError as exc:
            raise bad("level", str(exc)) from None
        weekly = entry.get("weekly", False)
        if not isinstance(weekly, bool):
            raise bad("weekly", "expected true or false")
        options = entry.get("options", {})
        if not isinstance(options, dict):
            raise bad("options", "expected a table")
        options = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
        config = DetectorConfig(channel, method, level, weekly, tuple(sorted(options.items())))
        try:
            config.plan()
        except ValueError as exc:
            raise bad("options", str(exc)) from None
        found.append(config)
    if not found:
        raise InputError.single(str(path), "no [[detector]] tables")
    return tuple(found)


NEXT: dict[SignalStatus, set[SignalStatus]] = {
    SignalStatus.NEW: {SignalStatus.VERIFYING, SignalStatus.FALSE_ALARM},
    SignalStatus.VERIFYING: {SignalStatus.INVESTIGATING, SignalStatus.FALSE_ALARM},
    SignalStatus.INVESTIGATING: {SignalStatus.CONFIRMED, SignalStatus.FALSE_ALARM},
    SignalStatus.CONFIRMED: set(),
    SignalStatus.FALSE_ALARM: set(),
}


def run_signals(
    ctx: ServiceContext,
    day: dt.date | list[dt.date],
    detectors: tuple[DetectorConfig, ...] | None = None,
    *,
    detectors_file: Path | None = None,
) -> dict[str, int]:
    """Run the detectors for a day (or days, in order); returns counts of new and extended
    signals. Each channel's series is built once for all the days. The detectors: those given,
    else those of ``detectors_file``, else of the SHOUTU_SIGNALS_CONFIG file, else the
    built-in ones."""
    if detectors is None:
        path = detectors_file or ctx.settings.signals_config
        detectors = load_detectors(path, ctx.settings.event_dir) if path else DEFAULT_DETECTORS
    days = sorted(day) if isinstance(day, list) else [day]
    protocol, _ = ctx.protocol()
    counts = {"created": 0, "extended": 0}
    for config in detectors:
        detector = config.plan()
        series = channel_matrix(ctx, config.channel, level=config.level, weekly=config.weekly)
        if not series.dates:
            continue
        regions, matrix = series.regions, series.values
        dates = [d.isoformat() for d in series.dates]
        column_of = {d: i for i, d in enumerate(dates)}
        calendar = Calendar(dt.date.fromisoformat(dates[0]), 7 if config.weekly else 1, len(dates))
        for today in days:
            if config.weekly and today.weekday() != 6:
                continue  # a week is judged on its Sunday, when complete
            key = today - dt.timedelta(days=today.weekday()) if config.weekly else today
            t = column_of.get(key.isoformat())
            if t is None:
                continue
            try:
                result = detector.run(matrix, np.array([t]), calendar)
            except ValueError:
                continue  # not enough history yet for this detector
            alarms = [
                (
                    regions[r],
                    float(matrix[r, t]),
                    float(result.expected[r, 0]),
                    float(result.upperbound[r, 0]),
                )
                for r in np.flatnonzero(result.alarm[:, 0])
            ]
            _record(ctx, protocol, config, key, alarms, counts, raised=today)
    return counts


def raised_at(ctx: ServiceContext, day: dt.date, now: dt.datetime) -> dt.datetime:
    """When a signal for an alarm on ``day`` counts as raised: ``now`` for the daily job (the
    day is today or yesterday, local time), else the close of the day, its last microsecond
    (a replay of history: counted as of that day, as its data is)."""
    tz = ctx.settings.timezone
    if (local_date(now, tz) - day).days <= 1:
        return now
    return end_of_day(day, tz) - dt.timedelta(microseconds=1)


def _record(
    ctx: ServiceContext,
    protocol: Protocol,
    config: DetectorConfig,
    day: dt.date,
    alarms: list[tuple[str, float, float, float]],
    counts: dict[str, int],
    *,
    raised: dt.date,
) -> None:
    """New signals for the day's (or week's) alarms, each with its response task, or extend
    the series' signal from the step before; an alarm a signal covers already (the day run
    before) changes nothing."""
    if not alarms:
        return
    with writing(ctx) as unit:
        conn = unit.conn
        since = raised_at(ctx, raised, unit.now)
        repo.lock_series(conn)
        recorded = repo.covering(
            conn,
            channel=config.channel,
            regions=[region for region, *_ in alarms],
            method=config.method,
            day=day,
        )
        alarms = [alarm for alarm in alarms if alarm[0] not in recorded]
        codes = registry_regions(conn, [region for region, *_ in alarms])
        continued = repo.ending_on(
            conn,
            channel=config.channel,
            regions=[region for region, *_ in alarms],
            method=config.method,
            date_end=day - dt.timedelta(days=7 if config.weekly else 1),
        )
        created: list[tuple[int, str]] = []
        for region, observed, expected, threshold in alarms:
            values = {
                "observed": observed,
                "statistic": expected,
                "threshold": threshold,
                "date_end": day,
            }
            previous = continued.get(region)
            if previous is not None:
                repo.change(conn, signal_id=previous["signal_id"], values={**values, **unit.touch})
                unit.updated(
                    "signals",
                    previous["signal_id"],
                    {"date_end": previous["date_end"]},
                    {"date_end": day},
                    detail="alarm continues",
                )
                counts["extended"] += 1
                continue
            responsible = Responsible(region=codes.get(region), unit=f"CDC {region[:6]}")
            signal_id = repo.add(
                conn,
                values={
                    **values,
                    "channel": config.channel,
                    "region": region,
                    "method": config.method,
                    "date_start": day,
                    "status": SignalStatus.NEW,
                    "due_time": due_time(protocol, TaskKind.SIGNAL_RESPONSE, since),
                    **responsible.columns(),
                    **unit.stamp,
                },
            )
            unit.created(
                "signals",
                [signal_id],
                [
                    {
                        "channel": config.channel,
                        "region": region,
                        "method": config.method,
                        "date": day,
                    }
                ],
            )
            created.append((signal_id, region))
            counts["created"] += 1
        open_tasks(
            unit,
            protocol,
            [
                NewTask(
                    TaskKind.SIGNAL_RESPONSE,
                    "signals",
                    signal_id,
                    f"respond to the {config.method} signal on {config.channel} in {region}",
                    since=since,
                    responsible=Responsible(region=codes.get(region), unit=f"CDC {region[:6]}"),
                )
                for signal_id, region in created
            ],
        )


def registry_regions(conn: Connection, labels: list[str]) -> dict[str, str]:
    """{label: region code} for the labels that are regions of the registry (a signal's
    region may be an analytics label instead)."""
    known = entities.existing_keys(conn, table=table(Region), key="code", keys=sorted(set(labels)))
    return {label: label for label in labels if label in known}


def update_signal(
    ctx: ServiceContext,
    signal_id: int,
    *,
    status: SignalStatus,
    unit: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Move a signal to its next workflow step (refused if the step is not allowed); the first
    step finishes its response task."""
    with refusals(ctx, "signals", signal_id), writing(ctx, detail=note) as work:
        require(ctx, Right.RESPOND_TO_SIGNALS)
        current = repo.get(work.conn, signal_id=signal_id, within=ctx.principal.view)
        if current is None:
            raise NotFound(f"no signal {signal_id}")
        writable(ctx, current["region"], f"signal {signal_id}")
        before = SignalStatus(current["status"])
        if status not in NEXT[before]:
            allowed = ", ".join(sorted(s.value for s in NEXT[before])) or "none (closed)"
            raise InvalidTransition(f"signal {signal_id} is {before.value}: next can be {allowed}")
        values: dict[str, Any] = {"status": status, **work.touch}
        if unit:
            values["resp_unit"] = unit
        repo.change(work.conn, signal_id=signal_id, values=values)
        work.updated(
            "signals",
            signal_id,
            {"status": before.value},
            {"status": status.value, "resp_unit": unit},
        )
        if before == SignalStatus.NEW:
            response = open_by_subject(
                work, kind=TaskKind.SIGNAL_RESPONSE, subject_type="signals", subject_ids=[signal_id]
            )
            settle(work, list(response.values()), done_time=work.now)
        return {**current, **values}


def list_signals(
    ctx: ServiceContext,
    *,
    status: SignalStatus | None = None,
    open_only: bool = False,
    limit: int | None = 200,
    after: tuple[dt.date, int] | None = None,
) -> list[dict[str, Any]]:
    """Signals in the caller's jurisdiction, latest first (``after``: the (end date, id) of
    the previous page's last). Signals hold no personal data: a read is not audited, a
    refused one is."""
    may_list(ctx, "signals")
    with ctx.connect() as conn:
        return repo.listing(
            conn,
            within=ctx.principal.view,
            status=status.value if status else None,
            open_only=open_only,
            limit=limit,
            after=after,
        )


def get_signal(ctx: ServiceContext, signal_id: int) -> dict[str, Any]:
    """One signal in the caller's jurisdiction (a refused read is audited)."""
    with refusals(ctx, "signals", signal_id):
        require(ctx, Right.VIEW_CASES)
        with ctx.connect() as conn:
            row = repo.get(conn, signal_id=signal_id, within=ctx.principal.view)
        if row is None:
            raise NotFound(f"no signal {signal_id}")
    return row
