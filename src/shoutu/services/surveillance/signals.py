"""Signals and their CIDARS response workflow.

``run_signals`` runs the configured detectors over their channels and turns each alarm on the
day into a Signal, extending an open signal of the same series that ended the day before
(deduplication over consecutive days). A signal moves new → verifying → investigating →
confirmed or false alarm (a false alarm may be called at verification); each step records the
responsible unit and is audited; a new signal is due a response within the protocol's
signal_response_hours.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shoutu.analytics.detectors.base import Calendar
from shoutu.analytics.detectors.methods import METHODS, Plan, plan
from shoutu.domain.timeutil import utcnow
from shoutu.domain.vocabulary import AuditAction, RegionLevel, SignalStatus
from shoutu.errors import NotFound
from shoutu.services.context import ServiceContext
from shoutu.services.surveillance.channels import channel_series
from shoutu.store.repositories import audit
from shoutu.store.repositories import signals as repo


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
    from shoutu.services.surveillance.channels import channel_names

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    found = []
    for number, entry in enumerate(data.get("detector", []), start=1):
        where = f"{path}: detector {number}"
        channel, method = entry.get("channel"), entry.get("method", "ears-c2")
        if channel not in channel_names(event_dir):
            raise ValueError(f"{where}: field channel: unknown channel {channel!r}")
        if method not in METHODS:
            raise ValueError(
                f"{where}: field method: {method!r} is not one of {', '.join(METHODS)}"
            )
        try:
            level = RegionLevel.parse(entry.get("level", "district"))
        except ValueError as exc:
            raise ValueError(f"{where}: field level: {exc}") from None
        weekly = entry.get("weekly", False)
        if not isinstance(weekly, bool):
            raise ValueError(f"{where}: field weekly: expected true or false")
        options = entry.get("options", {})
        if not isinstance(options, dict):
            raise ValueError(f"{where}: field options: expected a table")
        options = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
        config = DetectorConfig(channel, method, level, weekly, tuple(sorted(options.items())))
        try:
            config.plan()
        except ValueError as exc:
            raise ValueError(f"{where}: field options: {exc}") from None
        found.append(config)
    if not found:
        raise ValueError(f"{path}: no [[detector]] tables")
    return tuple(found)


NEXT: dict[SignalStatus, set[SignalStatus]] = {
    SignalStatus.NEW: {SignalStatus.VERIFYING, SignalStatus.FALSE_ALARM},
    SignalStatus.VERIFYING: {SignalStatus.INVESTIGATING, SignalStatus.FALSE_ALARM},
    SignalStatus.INVESTIGATING: {SignalStatus.CONFIRMED, SignalStatus.FALSE_ALARM},
    SignalStatus.CONFIRMED: set(),
    SignalStatus.FALSE_ALARM: set(),
}


def _event(
    ctx: ServiceContext,
    action: AuditAction,
    signal_id: int,
    before: Any,
    after: Any,
    detail: str | None = None,
) -> dict[str, Any]:
    return ctx.audit_event(action, "signals", signal_id, before, after, detail)


def run_signals(
    ctx: ServiceContext,
    day: dt.date | list[dt.date],
    detectors: tuple[DetectorConfig, ...] = DEFAULT_DETECTORS,
) -> dict[str, int]:
    """Run the detectors for a day (or days, in order); returns counts of new and extended
    signals. Each channel's series is built once for all the days."""
    days = sorted(day) if isinstance(day, list) else [day]
    protocol, _ = ctx.protocol()
    counts = {"created": 0, "extended": 0}
    for config in detectors:
        detector = config.plan()
        series = channel_series(ctx, config.channel, level=config.level, weekly=config.weekly)
        if not series["date"]:
            continue
        regions = sorted(set(series["region"]))
        dates = sorted(set(series["date"]))
        matrix = np.zeros((len(regions), len(dates)))
        row_of = {r: i for i, r in enumerate(regions)}
        column_of = {d: i for i, d in enumerate(dates)}
        for d, r, c in zip(series["date"], series["region"], series["count"], strict=True):
            matrix[row_of[r], column_of[d]] = c
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
            _record(ctx, config, key, alarms, protocol.timeliness.signal_response_hours, counts)
    return counts


def _record(
    ctx: ServiceContext,
    config: DetectorConfig,
    day: dt.date,
    alarms: list[tuple[str, float, float, float]],
    response_hours: float,
    counts: dict[str, int],
) -> None:
    """New signals for the day's (or week's) alarms, or extend the series' signal from the
    step before."""
    with ctx.transaction() as conn:
        for region, observed, expected, threshold in alarms:
            now = utcnow()
            values = {
                "observed": observed,
                "statistic": expected,
                "threshold": threshold,
                "date_end": day,
            }
            previous = repo.ending_on(
                conn,
                channel=config.channel,
                region=region,
                method=config.method,
                date_end=day - dt.timedelta(days=7 if config.weekly else 1),
            )
            if previous is not None:
                repo.change(
                    conn,
                    signal_id=previous["signal_id"],
                    values={**values, "updated_at": now, "updated_by": ctx.actor},
                )
                audit.append(
                    conn,
                    events=[
                        _event(
                            ctx,
                            AuditAction.UPDATE,
                            previous["signal_id"],
                            {"date_end": previous["date_end"].isoformat()},
                            {"date_end": day.isoformat()},
                            "alarm continues",
                        )
                    ],
                )
                counts["extended"] += 1
                continue
            signal_id = repo.add(
                conn,
                values={
                    **values,
                    "channel": config.channel,
                    "region": region,
                    "method": config.method,
                    "date_start": day,
                    "status": SignalStatus.NEW,
                    "due_time": now + dt.timedelta(hours=response_hours),
                    "resp_unit": f"CDC {region[:6]}",
                    "created_at": now,
                    "updated_at": now,
                    "updated_by": ctx.actor,
                },
            )
            audit.append(
                conn,
                events=[
                    _event(
                        ctx,
                        AuditAction.CREATE,
                        signal_id,
                        None,
                        {
                            "channel": config.channel,
                            "region": region,
                            "method": config.method,
                            "date": day.isoformat(),
                        },
                    )
                ],
            )
            counts["created"] += 1


def update_signal(
    ctx: ServiceContext,
    signal_id: int,
    *,
    status: SignalStatus,
    unit: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Move a signal to its next workflow step (refused if the step is not allowed)."""
    with ctx.transaction() as conn:
        current = repo.get(conn, signal_id=signal_id)
        if current is None:
            raise NotFound(f"no signal {signal_id}")
        before = SignalStatus(current["status"])
        if status not in NEXT[before]:
            allowed = ", ".join(sorted(s.value for s in NEXT[before])) or "none (closed)"
            raise ValueError(f"signal {signal_id} is {before.value}: next can be {allowed}")
        values: dict[str, Any] = {"status": status, "updated_at": utcnow(), "updated_by": ctx.actor}
        if unit:
            values["resp_unit"] = unit
        repo.change(conn, signal_id=signal_id, values=values)
        audit.append(
            conn,
            events=[
                _event(
                    ctx,
                    AuditAction.UPDATE,
                    signal_id,
                    {"status": before.value},
                    {"status": status.value, "resp_unit": unit},
                    note,
                )
            ],
        )
        return {**current, **values}


def list_signals(
    ctx: ServiceContext, *, status: SignalStatus | None = None, open_only: bool = False
) -> list[dict[str, Any]]:
    with ctx.engine.connect() as conn:
        return repo.listing(conn, status=status.value if status else None, open_only=open_only)


def get_signal(ctx: ServiceContext, signal_id: int) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        row = repo.get(conn, signal_id=signal_id)
    if row is None:
        raise NotFound(f"no signal {signal_id}")
    return row
