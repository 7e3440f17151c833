"""Tests: PCR on single or pooled tubes, antigen tests, and results that arrive later.

A PCR sample reads the person's Ct at sampling. A tube of k pooled samples reads the lowest
member Ct shifted by ``shift x log2(k)`` (dilution); it is positive below the assay cut-off,
and then every member's sample is reported positive with the tube's Ct (the members are
recalled for single tubes). Antigen tests are positive with a probability that falls with Ct,
and occasionally falsely positive. Every sample is a row of ``tests.parquet``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shoutu.domain.vocabulary import Channel, TestMethod, TestOutcome
from shoutu.sim.disease import Disease
from shoutu.sim.rng import Streams

CHANNELS: list[Channel] = list(Channel)
METHODS: list[TestMethod] = list(TestMethod)
OUTCOMES: list[TestOutcome] = list(TestOutcome)


@dataclass
class Samples:
    """Test rows of one day (arrays), appended as sampling happens."""

    parts: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(self, **columns: np.ndarray) -> None:
        self.parts.append(columns)

    def take(self) -> dict[str, np.ndarray] | None:
        if not self.parts:
            return None
        keys = self.parts[0].keys()
        merged = {k: np.concatenate([p[k] for p in self.parts]) for k in keys}
        self.parts = []
        return merged


@dataclass
class Pending:
    """PCR results not yet known: person, sample time, result time, channel, under control."""

    person: list[np.ndarray] = field(default_factory=list)
    sample_time: list[np.ndarray] = field(default_factory=list)
    result_time: list[np.ndarray] = field(default_factory=list)
    channel: list[np.ndarray] = field(default_factory=list)
    in_control: list[np.ndarray] = field(default_factory=list)

    def add(
        self,
        person: np.ndarray,
        sample_time: np.ndarray,
        result_time: np.ndarray,
        channel: Channel,
        in_control: np.ndarray,
    ) -> None:
        self.person.append(person)
        self.sample_time.append(np.broadcast_to(sample_time, person.shape).astype(float))
        self.result_time.append(np.broadcast_to(result_time, person.shape).astype(float))
        self.channel.append(np.full(len(person), CHANNELS.index(channel)))
        self.in_control.append(in_control)

    def due(self, before: float) -> tuple[np.ndarray, ...]:
        """Results known before ``before`` (removed from the queue), sorted by result time."""
        if not self.person:
            empty = np.empty(0)
            return empty.astype(np.int64), empty, empty, empty.astype(np.int64), empty.astype(bool)
        columns = [
            np.concatenate(c)
            for c in (
                self.person,
                self.sample_time,
                self.result_time,
                self.channel,
                self.in_control,
            )
        ]
        now = columns[2] < before
        rest = [c[~now] for c in columns]
        self.person, self.sample_time, self.result_time, self.channel, self.in_control = (
            [c] for c in rest
        )
        order = np.argsort(columns[2][now], kind="stable")
        return tuple(c[now][order] for c in columns)


class Lab:
    def __init__(self, disease: Disease, streams: Streams) -> None:
        self.disease = disease
        self.streams = streams
        self.samples = Samples()
        self.sample_count = 0
        self.tube_count = 0
        self.people_tested = np.zeros(len(disease.age), bool)

    def pcr(
        self,
        who: np.ndarray,
        sample_time: np.ndarray,
        result_hours: float,
        site: np.ndarray,
        lab: int,
        pool_size: int = 1,
        dilution_shift: float = 1.0,
        purpose: Channel = Channel.OTHER,
    ) -> np.ndarray:
        """Sample ``who`` (in tube order: consecutive people share a tube); returns, per person,
        whether their sample was reported positive."""
        n = len(who)
        if n == 0:
            return np.zeros(0, bool)
        cutoff = self.disease.params.pcr_cutoff
        ct_n = self.disease.ct(who, sample_time)
        ct_orf = self.disease.ct(who, sample_time, gene="ORF1ab")
        k = max(1, pool_size)
        tube = np.arange(n) // k
        if k > 1:
            shift = dilution_shift * np.log2(k)
            tube_n = np.minimum.reduceat(ct_n, np.arange(0, n, k)) + shift
            tube_orf = np.minimum.reduceat(ct_orf, np.arange(0, n, k)) + shift
            ct_n, ct_orf = tube_n[tube], tube_orf[tube]
        positive = (ct_n < cutoff) & (ct_orf < cutoff)
        self.samples.add(
            sample_id=np.arange(self.sample_count, self.sample_count + n),
            tube_id=self.tube_count + tube,
            pool_size=np.full(n, k),
            person=who,
            site=np.broadcast_to(site, who.shape),
            lab=np.full(n, lab),
            sample_time=np.broadcast_to(sample_time, who.shape).astype(float),
            result_time=np.broadcast_to(sample_time, who.shape) + result_hours / 24.0,
            method=np.full(n, METHODS.index(TestMethod.PCR)),
            result=np.where(
                positive, OUTCOMES.index(TestOutcome.POSITIVE), OUTCOMES.index(TestOutcome.NEGATIVE)
            ),
            ct_n=np.where(positive, np.round(ct_n, 1), np.nan),
            ct_orf1ab=np.where(positive, np.round(ct_orf, 1), np.nan),
            purpose=np.full(n, CHANNELS.index(purpose)),
        )
        self.sample_count += n
        self.tube_count += int(tube[-1]) + 1
        self.people_tested[who] = True
        result: np.ndarray = positive
        return result

    def antigen(self, who: np.ndarray, time: np.ndarray, day: int) -> np.ndarray:
        """Self-tests of ``who`` at ``time``; returns who read positive."""
        n = len(who)
        if n == 0:
            return np.zeros(0, bool)
        p = self.disease.antigen_probability(who, time)
        u = self.streams.uniform_for("testing.antigen", who, day)
        false = self.streams.uniform_for("testing.antigen.false", who, day) > (
            self.disease.params.antigen_specificity
        )
        positive = (u < p) | false
        self.samples.add(
            sample_id=np.arange(self.sample_count, self.sample_count + n),
            tube_id=np.full(n, -1),
            pool_size=np.ones(n, int),
            person=who,
            site=np.full(n, -1),
            lab=np.full(n, -1),
            sample_time=time.astype(float),
            result_time=time + 15 / 1440.0,
            method=np.full(n, METHODS.index(TestMethod.ANTIGEN)),
            result=np.where(
                positive, OUTCOMES.index(TestOutcome.POSITIVE), OUTCOMES.index(TestOutcome.NEGATIVE)
            ),
            ct_n=np.full(n, np.nan),
            ct_orf1ab=np.full(n, np.nan),
            purpose=np.full(n, CHANNELS.index(Channel.ANTIGEN_SELF_TEST)),
        )
        self.sample_count += n
        result: np.ndarray = positive
        return result
