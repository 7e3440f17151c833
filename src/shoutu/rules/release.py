"""When an episode of control may end, by a protocol's ``Release`` rules (pure functions).

A case's isolation ends when the protocol's release rule holds: ``negative_tests`` samples in
a row, each at least ``min_interval_hours`` after the one before, each negative or with a Ct
at or above ``ct_threshold`` on every one of ``genes`` (cn-9th: two samples 24 h apart, Ct ≥ 35
on N and ORF1ab); no earlier than ``min_days_after_onset`` after onset, the isolation's
``min_days`` after its start and ``symptom_free_days`` after the last symptomatic check. A
positive sample below the threshold starts the run again.

A quarantine stage ends when its days are over and each of its test days has a negative
sample (a day missed is made up by a negative sample on a later day, up to the release day);
a positive sample holds it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from shoutu.protocols.schema import Release

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Sample:
    """One PCR sample of the person: when it was taken and reported, and its reading."""

    sample_id: str
    sample_time: dt.datetime
    result_time: dt.datetime
    result: str  # a TestOutcome value
    ct_n: float | None = None
    ct_orf1ab: float | None = None


def clears(rules: Release, sample: Sample) -> bool:
    """Whether a sample counts as negative for release: negative, or (when the protocol has
    a Ct threshold) positive with every gene's Ct at or above it."""
    if sample.result == "negative":
        return True
    if sample.result != "positive" or rules.ct_threshold is None or not rules.genes:
        return False
    cts = {"N": sample.ct_n, "ORF1ab": sample.ct_orf1ab}
    return all((cts.get(g) or 0.0) >= rules.ct_threshold for g in rules.genes)


def _reading(rules: Release, sample: Sample) -> str:
    if sample.result != "positive" or rules.ct_threshold is None:
        return sample.result
    cts = {"N": sample.ct_n, "ORF1ab": sample.ct_orf1ab}
    shown = ", ".join(f"{g} {'—' if cts.get(g) is None else cts[g]}" for g in rules.genes)
    return f"positive (Ct {shown}; release needs ≥ {rules.ct_threshold:g} on each)"


@dataclass(frozen=True)
class Verdict:
    """Whether an episode may end by ``cutoff``: when (``at``), else why not (``reason``),
    and the samples the decision rests on."""

    at: dt.datetime | None
    reason: str | None
    samples: tuple[str, ...] = ()


def isolation_verdict(
    rules: Release,
    *,
    min_days: int,
    start: dt.datetime,
    onset: dt.datetime | None,
    last_symptom: dt.datetime | None,
    samples: Sequence[Sample],
    cutoff: dt.datetime,
) -> Verdict:
    """Whether a case isolated since ``start`` may be released by ``cutoff`` and when: the
    latest of the moment the sample run completes and the earliest day the protocol allows."""
    floors = [(start + min_days * DAY, f"isolation day {min_days}")]
    if rules.min_days_after_onset:
        anchor = onset or start
        floors.append((anchor + rules.min_days_after_onset * DAY, "days after onset"))
    if rules.symptom_free_days and last_symptom is not None:
        floors.append((last_symptom + rules.symptom_free_days * DAY, "days without symptoms"))
    earliest, why = max(floors, key=lambda f: f[0])
    run: list[Sample] = []
    broken: str | None = None
    interval = dt.timedelta(hours=rules.min_interval_hours)
    for s in sorted(samples, key=lambda s: s.sample_time):
        if s.result_time > cutoff or s.sample_time < start:
            continue
        if not clears(rules, s):
            if s.result == "positive":  # an invalid sample counts for nothing
                run, broken = [], f"sample {s.sample_id}: {_reading(rules, s)}"
            continue
        if not run or s.sample_time - run[-1].sample_time >= interval:
            run.append(s)
    needed = rules.negative_tests
    if len(run) < needed:
        gap = f" ≥ {rules.min_interval_hours} h apart" if needed > 1 else ""
        have = f"{len(run)} of {needed} clearing samples{gap}"
        return Verdict(None, f"{have} (last: {broken})" if broken else have)
    used = run[:needed]
    at = max([earliest, *(s.result_time for s in used)])
    if at > cutoff:
        return Verdict(None, f"not before {at.isoformat()} ({why})")
    return Verdict(at, None, tuple(s.sample_id for s in used))


def stage_verdict(
    *,
    test_days: Sequence[dt.date],
    end: dt.datetime,
    samples: Sequence[tuple[dt.date, Sample]],
    cutoff: dt.datetime,
    release_day: dt.date,
) -> Verdict:
    """Whether a quarantine stage ending at ``end`` may end by ``cutoff``: its days are over
    and each test day has a negative sample (``samples``: each with its local day), a missed
    day made up by a negative on a later day up to ``release_day``; a positive holds it."""
    if end > cutoff:
        return Verdict(None, f"planned to end {end.isoformat()}")
    known = [(day, s) for day, s in samples if s.result_time <= cutoff]
    positive = [s for _, s in known if s.result == "positive"]
    if positive:
        return Verdict(None, f"positive sample {positive[0].sample_id}")
    negative = sorted((day, s.sample_id) for day, s in known if s.result == "negative")
    used: list[str] = []
    missing: list[dt.date] = []
    for day in test_days:
        on_day = [sid for d, sid in negative if d == day]
        later = [sid for d, sid in negative if day < d <= release_day]
        if on_day or later:
            used.append((on_day or later)[0])
        else:
            missing.append(day)
    if missing:
        shown = ", ".join(d.isoformat() for d in missing)
        return Verdict(None, f"no negative test on {shown}")
    return Verdict(end, None, tuple(dict.fromkeys(used)))


__all__ = ["Sample", "Verdict", "clears", "isolation_verdict", "stage_verdict"]
