"""``control release --date D``: every open episode whose release rule holds by the end of
the local day D ends; those that should have ended and cannot are held, with the reason.

- A quarantine episode (centralised, home, health monitoring; post-release monitoring too)
  goes stage by stage: a stage whose days are over by D, each of its test days with a
  negative sample (a missed day made up by a later negative, up to D), passes to the next
  stage, or, the last one, releases the episode at its planned end. A stage over with a test
  missing or a positive sample holds the episode (``held``, ``hold_reason``) until a later
  run finds what it lacked.
- A case's isolation ends when the protocol's release rule holds (``rules/release.py``): the
  case is released at that moment and its post-release monitoring opens. An isolation past
  its planned end or its last release-test day that does not qualify is held with the reason.

Every rule comes from the episode's own protocol (the one it was opened under). Samples are
the single-tube and pooled PCR results in the event store (a corrected result replaces the
one before for its sample). ``--dry-run`` lists what a run would do and writes nothing but the
audit of the read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.timeutil import end_of_day, local_date, zone
from shoutu.domain.vocabulary import (
    OPEN_CONTROL_STATUSES,
    CaseStatus,
    ControlKind,
    ControlStatus,
    TaskKind,
)
from shoutu.events.store import read_people
from shoutu.protocols.schema import Protocol
from shoutu.rules.release import Sample, Verdict, isolation_verdict, stage_verdict
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.episode_list import as_json
from shoutu.services.control.episodes import QUARANTINE_KINDS, test_tasks
from shoutu.services.control.isolation import post_release_row
from shoutu.services.supervision.tasks import cancel_open_tasks, open_tasks
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import checks as checks_repo
from shoutu.store.repositories import measures as repo
from shoutu.store.repositories import people as people_repo

STAGED = (*QUARANTINE_KINDS, ControlKind.POST_RELEASE_MONITORING)
DAY = dt.timedelta(days=1)


@dataclass
class ReleaseRun:
    date: dt.date
    dry_run: bool
    released: list[dict[str, Any]] = field(default_factory=list)
    advanced: list[dict[str, Any]] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    monitoring_opened: int = 0
    test_tasks: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "dry_run": self.dry_run,
            "released": self.released,
            "advanced": self.advanced,
            "held": self.held,
            "post_release_monitoring_opened": self.monitoring_opened,
            "test_tasks": self.test_tasks,
        }


def pcr_samples(
    ctx: ServiceContext, people: list[int], first: dt.date, last: dt.date
) -> dict[int, list[tuple[dt.date, Sample]]]:
    """Each person's PCR samples from ``first`` to ``last`` (local days of sampling), the
    latest result of each sample, with its local day."""
    tz = ctx.settings.timezone
    days = [(first + k * DAY).isoformat() for k in range(-1, (last - first).days + 2)]
    table = read_people(ctx.settings.event_dir, "tests", days, people)
    if table.num_rows == 0:
        return {}
    table = table.filter(pc.equal(table["method"], "pcr"))
    missing = [c for c in ("ct_n", "ct_orf1ab") if c not in table.column_names]
    for name in missing:
        table = table.append_column(name, pa.nulls(table.num_rows, pa.float64()))
    latest: dict[str, dict[str, Any]] = {}
    for r in table.sort_by("result_time").to_pylist():
        latest[str(r["sample_id"])] = r
    found: dict[int, list[tuple[dt.date, Sample]]] = {}
    for r in latest.values():
        sample = Sample(
            str(r["sample_id"]),
            r["sample_time"],
            r["result_time"],
            str(r["result"]),
            r["ct_n"],
            r["ct_orf1ab"],
        )
        found.setdefault(int(r["person_id"]), []).append((local_date(r["sample_time"], tz), sample))
    return found


def _local(at: dt.datetime, tz: str) -> str:
    return at.astimezone(zone(tz)).isoformat()


def _brief(row: dict[str, Any], tz: str, **extra: Any) -> dict[str, Any]:
    shown = as_json(row, tz)
    keep = ("episode_id", "person_id", "kind", "reason", "start", "planned_end")
    return {k: shown[k] for k in keep} | extra


def run_release(ctx: ServiceContext, *, date: dt.date, dry_run: bool = False) -> ReleaseRun:
    """Release, advance or hold every open episode by the end of ``date`` (see the module)."""
    tz = ctx.settings.timezone
    cutoff = end_of_day(date, tz)
    run = ReleaseRun(date, dry_run)
    protocols: dict[str, Protocol] = {}
    with writing(ctx, detail="control release") as unit:
        episodes = repo.unended(
            unit.conn,
            kinds=[k.value for k in (*STAGED, ControlKind.ISOLATION)],
            statuses=[s.value for s in OPEN_CONTROL_STATUSES],
            started_by=cutoff,
        )
        unit.read(
            "control_measures", [e["measure_id"] for e in episodes], pii=False, purpose="release"
        )
        if not episodes:
            return run
        people = sorted({int(e["person_id"]) for e in episodes})
        first = min(local_date(e["start_time"], tz) for e in episodes)
        samples = pcr_samples(ctx, people, first, date)
        isolated = [e for e in episodes if e["kind"] == ControlKind.ISOLATION]
        cases = cases_repo.by_ids(
            unit.conn,
            case_ids=[int(e["case_id"]) for e in isolated if e["case_id"]],
            within=EVERYWHERE,  # the release of every isolation due, whoever runs the day
        )
        checks = checks_repo.of_people(
            unit.conn,
            person_ids=sorted({int(e["person_id"]) for e in isolated}),
            start=min((e["start_time"] for e in isolated), default=cutoff),
            end=cutoff,
        )
        homes = people_repo.home_regions(
            unit.conn, person_ids=sorted({int(e["person_id"]) for e in isolated})
        )
        for e in episodes:
            name = str(e["protocol"])
            if name not in protocols:
                protocols[name] = ctx.protocol(name)[0]
            protocol = protocols[name]
            mine = samples.get(int(e["person_id"]), [])
            if e["kind"] == ControlKind.ISOLATION:
                case = cases.get(int(e["case_id"])) if e["case_id"] else None
                _isolation(unit, run, protocol, e, case, mine, checks, homes, cutoff, tz)
            else:
                _staged(unit, run, e, mine, cutoff, date, tz)
    return run


def _hold(unit: Unit, run: ReleaseRun, e: dict[str, Any], reason: str, tz: str) -> None:
    run.held.append(_brief(e, tz, reason=reason))
    if run.dry_run or (e["status"] == ControlStatus.HELD and e["hold_reason"] == reason):
        return
    values = {"status": ControlStatus.HELD, "hold_reason": reason}
    repo.change(unit.conn, measure_id=e["measure_id"], values=values | unit.touch)
    unit.updated(
        "control_measures",
        e["measure_id"],
        {"status": str(e["status"]), "hold_reason": e["hold_reason"]},
        {"status": ControlStatus.HELD.value, "hold_reason": reason},
        detail=f"held: {reason}",
    )


def _staged(
    unit: Unit,
    run: ReleaseRun,
    e: dict[str, Any],
    samples: list[tuple[dt.date, Sample]],
    cutoff: dt.datetime,
    date: dt.date,
    tz: str,
) -> None:
    stages = e["stages"] or [
        {
            "kind": str(e["kind"]),
            "start": e["start_time"].isoformat(),
            "planned_end": e["planned_end_time"].isoformat() if e["planned_end_time"] else None,
            "test_days": [],
        }
    ]
    kinds = [s["kind"] for s in stages]
    at = kinds.index(str(e["kind"])) if str(e["kind"]) in kinds else 0
    verdict = Verdict(None, None)
    moved: list[str] = []
    while at < len(stages):
        stage = stages[at]
        if stage["planned_end"] is None:
            return
        start = dt.datetime.fromisoformat(stage["start"])
        verdict = stage_verdict(
            test_days=[dt.date.fromisoformat(d) for d in stage["test_days"]],
            end=dt.datetime.fromisoformat(stage["planned_end"]),
            samples=[(d, s) for d, s in samples if s.sample_time >= start],
            cutoff=cutoff,
            release_day=date,
        )
        if verdict.at is None:
            break
        at += 1
        if at < len(stages):
            moved.append(stages[at]["kind"])
    if verdict.at is not None:  # the last stage passed: released at its planned end
        _end(unit, e, ControlStatus.RELEASED, verdict.at, "released: every stage over", run.dry_run)
        run.released.append(_brief(e, tz, end=_local(verdict.at, tz), samples=verdict.samples))
        return
    if moved:
        _advance(unit, run, e, moved[-1], tz)
    reason = verdict.reason or ""
    if not reason.startswith("planned to end"):
        _hold(unit, run, e, reason, tz)


def _advance(unit: Unit, run: ReleaseRun, e: dict[str, Any], kind: str, tz: str) -> None:
    run.advanced.append(_brief(e, tz, to=kind))
    if run.dry_run:
        return
    values = {"kind": ControlKind(kind), "status": ControlStatus.ACTIVE, "hold_reason": None}
    repo.change(unit.conn, measure_id=e["measure_id"], values=values | unit.touch)
    unit.updated(
        "control_measures",
        e["measure_id"],
        {"kind": str(e["kind"]), "status": str(e["status"])},
        {"kind": kind, "status": ControlStatus.ACTIVE.value},
        detail=f"stage over: now {kind}",
    )
    e.update(values)


def _end(
    unit: Unit,
    e: dict[str, Any],
    status: ControlStatus,
    at: dt.datetime,
    why: str,
    dry_run: bool,
) -> None:
    if dry_run:
        return
    values = {"status": status, "end_time": at, "hold_reason": None}
    repo.change(unit.conn, measure_id=e["measure_id"], values=values | unit.touch)
    unit.updated(
        "control_measures",
        e["measure_id"],
        {"status": str(e["status"]), "end_time": None},
        {"status": status.value, "end_time": at.isoformat()},
        detail=why,
    )


def _isolation(
    unit: Unit,
    run: ReleaseRun,
    protocol: Protocol,
    e: dict[str, Any],
    case: dict[str, Any] | None,
    samples: list[tuple[dt.date, Sample]],
    checks: dict[int, list[dict[str, Any]]],
    homes: dict[int, str | None],
    cutoff: dt.datetime,
    tz: str,
) -> None:
    """One isolation judged (``checks`` and ``homes``: the isolated people's): released
    (with its post-release monitoring, its home responsible), held, or left to run."""
    fever = protocol.health_checks.fever_celsius if protocol.health_checks else None
    symptomatic = [
        c["check_time"]
        for c in checks.get(int(e["person_id"]), [])
        if c["symptoms"] or (fever is not None and (c["temperature"] or 0.0) >= fever)
    ]
    verdict = isolation_verdict(
        protocol.release,
        min_days=protocol.isolation.min_days,
        start=e["start_time"],
        onset=case["onset_time"] if case else None,
        last_symptom=max(symptomatic, default=None),
        samples=[s for _, s in samples],
        cutoff=cutoff,
    )
    if verdict.at is None:
        days = [d for s in e["stages"] or [] for d in s["test_days"]]
        due = [e["planned_end_time"]] if e["planned_end_time"] else []
        due += [end_of_day(dt.date.fromisoformat(max(days)), tz)] if days else []
        if due and min(due) <= cutoff:
            _hold(unit, run, e, verdict.reason or "", tz)
        return
    _end(unit, e, ControlStatus.RELEASED, verdict.at, "released from isolation", run.dry_run)
    run.released.append(_brief(e, tz, end=_local(verdict.at, tz), samples=verdict.samples))
    follow = post_release_row(protocol, e, verdict.at, tz)
    run.monitoring_opened += follow is not None
    if run.dry_run:
        return
    if case is not None:
        values = {"status": CaseStatus.RELEASED, "release_time": verdict.at}
        cases_repo.change(unit.conn, case_id=int(case["case_id"]), values=values | unit.touch)
        unit.updated(
            "cases",
            case["case_id"],
            {"status": str(case["status"]), "release_time": None},
            {"status": CaseStatus.RELEASED.value, "release_time": verdict.at.isoformat()},
            detail=f"released from isolation {e['measure_id']}",
        )
    cancel_open_tasks(
        unit,
        kind=TaskKind.RELEASE,
        subject_type="control_measures",
        subject_ids=[e["measure_id"]],
        at=verdict.at,
        why="released from isolation",
    )
    if follow is None:
        return
    # responsible, as for every episode: the person's home, else the isolation's region
    follow["resp_region"] = homes.get(int(follow["person_id"])) or follow["resp_region"]
    ids = repo.add(unit.conn, rows=[{**follow, **unit.stamp}])
    unit.created("control_measures", ids, [follow])
    days = [dt.date.fromisoformat(d) for s in follow["stages"] for d in s["test_days"]]
    tasks = test_tasks(ids[0], days, tz, region=follow["resp_region"])
    run.test_tasks += len(open_tasks(unit, protocol, tasks))


__all__ = ["STAGED", "ReleaseRun", "pcr_samples", "run_release"]
