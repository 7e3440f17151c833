"""Natural history of an Omicron-like infection, person by person.

A person's course is drawn once, from streams keyed by the person (not by the day of infection),
so it is the same in every scenario: incubation, symptoms, severity, and a Ct trajectory for the
N and ORF1ab genes — 40 at infection, falling linearly to a personal peak at onset (or at the
would-be onset of an asymptomatic infection), rising linearly back to 40 over the clearance
time. Infectiousness rises as Ct falls below the culture threshold, so the latent and
presymptomatic periods follow from the same curve that PCR and antigen tests read.
Times are in days since day 0 of the run.
"""

from __future__ import annotations

import numpy as np

from shoutu.sim.params import DiseaseParams
from shoutu.sim.rng import Streams

NEVER = np.inf


def _normal(streams: Streams, name: str, who: np.ndarray) -> np.ndarray:
    """Standard normal draws per person (Box-Muller over two named uniforms)."""
    u1 = np.maximum(streams.uniform_for(f"{name}.u1", who), 1e-300)
    u2 = streams.uniform_for(f"{name}.u2", who)
    normal: np.ndarray = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    return normal


def _by_age(table: tuple[tuple[int, float], ...], age: np.ndarray) -> np.ndarray:
    limits = np.asarray([row[0] for row in table])
    values = np.asarray([row[1] for row in table])
    return values[np.minimum(np.searchsorted(limits, age), len(values) - 1)]


class Disease:
    """Infection state and course of every person (arrays indexed by person)."""

    def __init__(
        self, age: np.ndarray, doses: np.ndarray, params: DiseaseParams, streams: Streams
    ) -> None:
        n = len(age)
        self.params = params
        self.streams = streams
        self.age = age
        self.doses = np.minimum(doses, 3)
        self.susceptibility = np.asarray(params.susceptibility)[self.doses]
        self.infected_at = np.full(n, NEVER)
        self.incubation = np.zeros(n)
        self.symptomatic = np.zeros(n, bool)
        self.severe = np.zeros(n, bool)
        self.peak_ct = np.full(n, 40.0)
        self.clearance = np.ones(n)
        self.orf1ab_offset = np.zeros(n)
        self.infectiousness_scale = np.zeros(n)
        self.imported = np.zeros(n, bool)

    @property
    def ever_infected(self) -> np.ndarray:
        result: np.ndarray = np.isfinite(self.infected_at)
        return result

    def infect(self, who: np.ndarray, times: np.ndarray) -> None:
        """Start the course of infection of ``who`` at ``times`` (days)."""
        p, s = self.params, self.streams
        self.infected_at[who] = times
        median = p.incubation_mean / np.sqrt(1 + (p.incubation_sd / p.incubation_mean) ** 2)
        sigma = np.sqrt(np.log(1 + (p.incubation_sd / p.incubation_mean) ** 2))
        self.incubation[who] = median * np.exp(sigma * _normal(s, "disease.incubation", who))
        asymptomatic = s.uniform_for("disease.asymptomatic", who) < _by_age(
            p.asymptomatic, self.age[who]
        )
        self.symptomatic[who] = ~asymptomatic
        peak = p.peak_ct_mean + p.peak_ct_sd * _normal(s, "disease.peak_ct", who)
        peak += np.where(asymptomatic, p.peak_ct_asymptomatic_shift, 0.0)
        self.peak_ct[who] = np.clip(peak, 12.0, p.culture_ct + 4.0)
        self.clearance[who] = p.clearance_min + (p.clearance_max - p.clearance_min) * (
            s.uniform_for("disease.clearance", who)
        )
        self.orf1ab_offset[who] = p.orf1ab_offset_mean + p.orf1ab_offset_sd * _normal(
            s, "disease.orf1ab", who
        )
        severe_table = np.asarray(p.severe)
        row = np.minimum(np.searchsorted(severe_table[:, 0], self.age[who]), len(severe_table) - 1)
        column = 1 + np.clip(self.doses[who] - 1, 0, 2)
        self.severe[who] = ~asymptomatic & (
            s.uniform_for("disease.severe", who) < severe_table[row, column]
        )
        self.infectiousness_scale[who] = np.where(asymptomatic, p.asymptomatic_infectiousness, 1.0)

    def onset(self, who: np.ndarray) -> np.ndarray:
        """Symptom onset times (inf for asymptomatic or uninfected people)."""
        return np.where(self.symptomatic[who], self.infected_at[who] + self.incubation[who], NEVER)

    def ct(self, who: np.ndarray, t: float | np.ndarray, gene: str = "N") -> np.ndarray:
        """Ct of ``gene`` ("N" or "ORF1ab") at time ``t``; 40 when nothing is detectable."""
        since = t - self.infected_at[who]
        since = np.where(np.isfinite(since), since, -1.0)  # never infected: nothing to read
        inc, peak = self.incubation[who], self.peak_ct[who]
        rising = peak + (40.0 - peak) * (since - inc) / self.clearance[who]
        falling = 40.0 - (40.0 - peak) * since / np.maximum(inc, 1e-9)
        value = np.where(since <= 0, 40.0, np.where(since <= inc, falling, rising))
        if gene == "ORF1ab":
            value = value + self.orf1ab_offset[who]
        result: np.ndarray = np.minimum(value, 40.0)
        return result

    def infectiousness(self, who: np.ndarray, t: float) -> np.ndarray:
        """Relative infectiousness at ``t`` (1 = a symptomatic infection at a Ct 10 below the
        culture threshold)."""
        below = np.maximum(self.params.culture_ct - self.ct(who, t), 0.0) / 10.0
        after_peak = np.maximum(t - self.infected_at[who] - self.incubation[who], 0.0)
        decay = np.exp(-after_peak / self.params.post_peak_decay_days)
        result: np.ndarray = below * decay * self.infectiousness_scale[who]
        return result

    def antigen_probability(self, who: np.ndarray, t: float | np.ndarray) -> np.ndarray:
        p = self.params
        z = (self.ct(who, t) - p.antigen_midpoint_ct) / p.antigen_scale
        result: np.ndarray = np.where(self.ct(who, t) >= 40.0, 0.0, 1.0 / (1.0 + np.exp(z)))
        return result

    def recovered_by(self, t: float) -> np.ndarray:
        """Who has cleared the infection by ``t`` (Ct back at 40)."""
        end = self.infected_at + self.incubation + self.clearance
        result: np.ndarray = end <= t
        return result
