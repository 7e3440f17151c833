"""The city's response, day by day: people seek care, samples are taken, results come back,
cases are reported and isolated, contacts are traced and quarantined, areas locked down.

What happens is set by the scenario; how (quarantine and test days, lookback, release, risk
area timers, screening frequencies, pooling, timeliness) by the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shoutu.domain.vocabulary import (
    Channel,
    KeyPopulation,
    PlaceType,
    SaleCategory,
    TestMethod,
    TestOutcome,
    VisitReason,
)
from shoutu.protocols.schema import Protocol
from shoutu.sim.areas import RiskAreas
from shoutu.sim.contacts import Tracing
from shoutu.sim.control import Control
from shoutu.sim.disease import Disease
from shoutu.sim.population import KEY_POPULATIONS, PLACE_TYPES, City
from shoutu.sim.rng import Streams
from shoutu.sim.scenario import Scenario
from shoutu.sim.schedule import CheckIns
from shoutu.sim.testing import CHANNELS, METHODS, OUTCOMES, Lab, Pending
from shoutu.sim.tracing import Tracer

SCREENING = {
    CHANNELS.index(c)
    for c in (
        Channel.ROUTINE_SCREENING,
        Channel.MASS_SCREENING,
        Channel.PORT_SCREENING,
        Channel.QUARANTINE_TESTING,
    )
}
REASONS: list[VisitReason] = list(VisitReason)
PORT_GROUPS = {
    KEY_POPULATIONS.index(k)
    for k in (KeyPopulation.PORT_WORKER, KeyPopulation.AIRPORT_WORKER, KeyPopulation.COLD_CHAIN)
}


@dataclass
class Rows:
    """Columns collected over the run (lists of arrays), written at the end."""

    columns: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(self, **values: np.ndarray) -> None:
        for key, value in values.items():
            self.columns.setdefault(key, []).append(np.asarray(value))

    def merged(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.columns.items()}


class Response:
    def __init__(
        self,
        city: City,
        disease: Disease,
        control: Control,
        tracer: Tracer,
        scenario: Scenario,
        protocol: Protocol,
        streams: Streams,
        district: np.ndarray,
    ) -> None:
        self.city, self.disease, self.control, self.tracer = city, disease, control, tracer
        self.scenario, self.protocol, self.streams = scenario, protocol, streams
        self.district = district
        self.lab = Lab(disease, streams)
        self.pending = Pending()
        n = city.n
        self.ili_start = np.full(n, -np.inf)
        self.last_negative = np.full(n, -np.inf)
        self.trace_at = np.full(n, np.inf)
        self.trace_from = np.full(n, np.inf)
        self.tracing = Tracing(
            tracer, control, protocol, scenario.tracing, streams, self.trace_at, self.trace_from
        )
        self.cases = Rows()
        self.visits = Rows()
        self.sales = Rows()
        self.local_cases = 0
        self.mass_next: int | None = None
        self.mass_rounds = 0
        self.mass_found = False
        self.mass_districts: set[int] = set()
        place_district = city.geo.community_district[city.place_community]
        self.fever_clinic = self._nearest(PlaceType.FEVER_CLINIC, place_district)
        self.hospital = self._nearest(PlaceType.HOSPITAL, place_district)
        self.pharmacy = self._nearest(PlaceType.PHARMACY, place_district)
        self.clinic = self._nearest(PlaceType.CLINIC, place_district)
        self.lab_place = int(city.places_of(PlaceType.HOSPITAL)[0])
        self.screen_phase = streams.uniform("response.screen_phase", n)
        self.areas = RiskAreas(city, protocol) if scenario.lockdown.enabled else None

    def _nearest(self, ptype: PlaceType, place_district: np.ndarray) -> np.ndarray:
        """A place of ``ptype`` in each district (any, where the district has none)."""
        places = self.city.places_of(ptype)
        choice = np.full(len(self.city.geo.district_codes), places[0])
        for place in places[::-1]:
            choice[place_district[place]] = place
        result: np.ndarray = choice
        return result

    # -- one day -----------------------------------------------------------------------------
    def day(self, d: int) -> np.ndarray:
        """Run day ``d``'s response; returns the people reported as cases today."""
        s, sc = self.streams, self.scenario
        n = self.city.n
        t_mid = d + 0.5
        free, _ = self.control.masks(t_mid)
        isolated = self.control.isolated(t_mid)
        bg = sc.background
        new_ili = np.flatnonzero(s.uniform("background.ili", n, d) < bg.ili_daily_rate)
        new_ili = new_ili[self.ili_start[new_ili] < d - bg.ili_days]
        self.ili_start[new_ili] = d + s.uniform_for("background.ili.when", new_ili, d)
        infected = np.flatnonzero(self.disease.ever_infected)
        onset = self.disease.onset(infected)
        sick_covid = infected[(onset < d + 1) & (onset >= d + 1 - sc.fever_clinic.days)]
        sick_ili = np.flatnonzero(
            (self.ili_start < d + 1) & (self.ili_start >= d + 1 - sc.fever_clinic.days)
        )
        ill = np.union1d(sick_covid, sick_ili)
        ill = ill[~isolated[ill] & ~self.control.reported[ill]]
        newly = np.union1d(infected[(onset >= d) & (onset < d + 1)], new_ili)
        self._pharmacy(newly[free[newly]], d)
        self._clinic_other(free, d)
        if sc.fever_clinic.enabled:
            visit = ill[
                free[ill]
                & (s.uniform_for("care.fever_clinic", ill, d) < sc.fever_clinic.visit_probability)
            ]
            times = d + 0.3 + 0.5 * s.uniform_for("care.fever_clinic.when", visit, d)
            self.visits.add(
                person=visit,
                place=self.fever_clinic[self.district[visit]],
                time=times,
                reason=np.full(len(visit), REASONS.index(VisitReason.ILI)),
            )
            self._sample(
                visit,
                times,
                sc.fever_clinic.result_hours,
                self.fever_clinic[self.district[visit]],
                Channel.FEVER_CLINIC,
            )
        if sc.antigen_self_test.enabled:
            tested = ill[
                s.uniform_for("care.antigen", ill, d) < sc.antigen_self_test.daily_probability
            ]
            times = d + s.uniform_for("care.antigen.when", tested, d)
            positive = tested[self.lab.antigen(tested, times, d)]
            times = times[np.isin(tested, positive)]
            delay = sc.antigen_self_test.confirm_hours / 24.0
            self._sample(
                positive,
                times + delay / 2,
                delay * 12,
                self.hospital[self.district[positive]],
                Channel.ANTIGEN_SELF_TEST,
            )
        severe = infected[self.disease.severe[infected] & (onset + 2 >= d) & (onset + 2 < d + 1)]
        severe = severe[~self.control.reported[severe]]
        self._sample(
            severe,
            onset[np.searchsorted(infected, severe)] + 2,
            6,
            self.hospital[self.district[severe]],
            Channel.HOSPITAL,
        )
        due = self.control.quarantine_test_due(d)
        due = due[~isolated[due]] if len(due) else due
        self._sample(
            due,
            d + 0.35 + np.zeros(len(due)),
            12,
            np.full(len(due), self.lab_place),
            Channel.QUARANTINE_TESTING,
        )
        if sc.routine_screening.enabled:
            self._routine(d, free)
        if sc.mass_screening.enabled:
            self._mass(d)
        if self.areas is not None:
            self._area_rounds(d)
        return self._results(d)

    def end_of_day(self, d: int, checkins: CheckIns, samples: dict[str, np.ndarray] | None) -> None:
        """Risk areas after the day's cases (``sim/areas.py``): the residents of the areas
        in force are kept in from tomorrow."""
        if self.areas is None:
            return
        self.areas.remember(d, checkins)
        if samples is not None:
            self.areas.tested(
                samples, METHODS.index(TestMethod.PCR), OUTCOMES.index(TestOutcome.NEGATIVE)
            )
        if self.areas.end_of_day(d):
            self.control.lock_down(self.areas.high, self.areas.medium)

    # -- routes -----------------------------------------------------------------------------------
    def _sample(
        self,
        who: np.ndarray,
        times: np.ndarray,
        result_hours: float,
        site: np.ndarray,
        channel: Channel,
        pool_size: int = 1,
        shift: float = 1.0,
    ) -> np.ndarray:
        if len(who) == 0:
            return np.zeros(0, bool)
        in_control = self.control.under_control(float(np.mean(times)))[who]
        positive = self.lab.pcr(
            who, times, result_hours, site, self.lab_place, pool_size, shift, purpose=channel
        )
        self.pending.add(who, times, times + result_hours / 24.0, channel, in_control)
        return positive

    def _routine(self, d: int, free: np.ndarray) -> None:
        rules = self.protocol.key_populations
        categories = self.city.key_population
        pooling = self.protocol.pooling
        for category, frequency in rules.items():
            index = KEY_POPULATIONS.index(category)
            members = np.flatnonzero((categories == index) & ~self.control.reported)
            if len(members) == 0:
                continue
            phase = self.screen_phase[members] * frequency.interval_days
            due = np.floor((d + phase) / frequency.interval_days) != np.floor(
                (d - 1 + phase) / frequency.interval_days
            )
            who = members[due & free[members]]
            who = who[np.argsort(self.city.workplace[who], kind="stable")]
            single = category in pooling.single_tube_groups
            channel = Channel.PORT_SCREENING if index in PORT_GROUPS else Channel.ROUTINE_SCREENING
            self._sample(
                who,
                d + 0.3 + np.zeros(len(who)),
                self.scenario.routine_screening.result_hours,
                self.city.workplace[who],
                channel,
                1 if single else pooling.default_ratio,
            )

    def _mass(self, d: int) -> None:
        ms = self.scenario.mass_screening
        if self.mass_next is None or d != self.mass_next or self.mass_rounds >= ms.rounds:
            return
        residents = np.flatnonzero(
            ~self.control.isolated(d + 0.5) & ~self.control.centralised(d + 0.5)
        )
        if ms.area == "district":
            residents = residents[np.isin(self.district[residents], list(self.mass_districts))]
        take = self.streams.uniform_for("mass.participate", residents, d) < ms.participation
        who = residents[take]
        who = who[np.argsort(self.city.building[who], kind="stable")]
        times = d + 0.25 + 0.5 * self.streams.uniform_for("mass.when", who, d)
        positive = self._screen(
            who, times, ms.result_hours, ms.pool_size, ms.dilution_ct_shift_per_doubling, d
        )
        self.mass_rounds += 1
        self.mass_found = bool(positive.any())
        rule = self.protocol.mass_screening
        daily = rule is not None and rule.daily_if_case_in_last_rounds > 0 and self.mass_found
        interval = ms.interval_days or (
            1 if daily else (rule.otherwise_interval_days if rule else 2)
        )
        self.mass_next = d + interval

    def _screen(
        self,
        who: np.ndarray,
        times: np.ndarray,
        result_hours: float,
        pool_size: int,
        shift: float,
        d: int,
    ) -> np.ndarray:
        """A screening round of ``who`` (in tube order) at the district's fever clinics: the
        people of positive tubes are recalled for a single tube the next day."""
        positive = self.lab.pcr(
            who,
            times,
            result_hours,
            self.fever_clinic[self.district[who]],
            self.lab_place,
            pool_size,
            shift,
            purpose=Channel.MASS_SCREENING,
        )
        recalled = who[positive & ~self.control.reported[who]]
        self._sample(
            recalled,
            d + 1.3 + np.zeros(len(recalled)),
            result_hours,
            self.fever_clinic[self.district[recalled]],
            Channel.MASS_SCREENING,
        )
        return positive

    def _area_rounds(self, d: int) -> None:
        """Today's rounds in risk areas (``sim/areas.py``)."""
        assert self.areas is not None
        lockdown, shift = self.scenario.lockdown, self.scenario.mass_screening
        for who, pool in self.areas.rounds(
            d, self.control.reported, self.streams, lockdown.participation
        ):
            times = d + 0.25 + 0.25 * self.streams.uniform_for("lockdown.when", who, d)
            self._screen(
                who, times, lockdown.result_hours, pool, shift.dilution_ct_shift_per_doubling, d
            )

    def _pharmacy(self, newly: np.ndarray, d: int) -> None:
        bg = self.scenario.background
        s = self.streams
        buy = newly[s.uniform_for("sales.medicine", newly, d) < bg.pharmacy_probability]
        kit = newly[s.uniform_for("sales.kit", newly, d) < bg.antigen_kit_probability]
        for who, category in ((buy, None), (kit, SaleCategory.ANTIGEN_KIT)):
            if len(who) == 0:
                continue
            if category is None:
                cough = s.uniform_for("sales.which", who, d) < 0.5
                cats = np.where(
                    cough,
                    list(SaleCategory).index(SaleCategory.COUGH),
                    list(SaleCategory).index(SaleCategory.FEVER),
                )
            else:
                cats = np.full(len(who), list(SaleCategory).index(category))
            self.sales.add(
                place=self.pharmacy[self.district[who]],
                time=d + 0.35 + 0.5 * s.uniform_for(f"sales.when.{category}", who, d),
                category=cats,
                quantity=1 + (s.uniform_for(f"sales.qty.{category}", who, d) < 0.3),
            )

    def _clinic_other(self, free: np.ndarray, d: int) -> None:
        rate = self.scenario.background.clinic_daily_rate
        who = np.flatnonzero((self.streams.uniform("clinic.other", self.city.n, d) < rate) & free)
        self.visits.add(
            person=who,
            place=self.clinic[self.district[who]],
            time=d + 0.35 + 0.4 * self.streams.uniform_for("clinic.when", who, d),
            reason=np.full(len(who), REASONS.index(VisitReason.OTHER)),
        )

    # -- results, cases, tracing ------------------------------------------------------------------
    def _results(self, d: int) -> np.ndarray:
        person, sample_time, result_time, channel, in_control = self.pending.due(d + 1)
        ct = self.disease.ct(person, sample_time) if len(person) else np.empty(0)
        positive = ct < self.disease.params.pcr_cutoff
        negative = ~positive
        self.last_negative[person[negative]] = np.maximum(
            self.last_negative[person[negative]], sample_time[negative]
        )
        pos = np.flatnonzero(positive & ~self.control.reported[person])
        _, first = np.unique(person[pos], return_index=True)
        pos = pos[np.sort(first)]
        cases = person[pos]
        if len(cases) == 0:
            self.tracing.day(d)
            return cases
        report_hours = self.protocol.timeliness.report_hours
        report = result_time[pos] + report_hours / 24.0 * self.streams.uniform_for(
            "cases.report", cases, d
        )
        self.control.reported[cases] = True
        isolation = report if self.scenario.isolation.enabled else np.full(len(cases), np.inf)
        order = np.argsort(cases)
        if self.scenario.isolation.enabled:
            self.control.isolate(
                cases[order], isolation[order], self._release(cases, report)[order]
            )
        imported = self.disease.imported[cases]
        self.cases.add(
            person=cases,
            infection_time=self.disease.infected_at[cases],
            onset_time=self.disease.onset(cases),
            sample_time=sample_time[pos],
            report_time=report,
            isolation_time=isolation,
            channel=channel[pos],
            found_in_control=in_control[pos],
            imported=imported,
        )
        self.local_cases += int((~imported).sum())
        tracing = self.scenario.tracing
        if tracing.enabled:
            delay = (
                tracing.delay_hours
                if tracing.delay_hours is not None
                else self.protocol.timeliness.contact_control_hours
            )
            self.trace_at[cases] = report + delay / 24.0 * self.streams.uniform_for(
                "tracing.delay", cases, d
            )
            screened = np.isin(channel[pos], list(SCREENING))
            self._trace_start(cases, sample_time[pos], screened)
        if self.areas is not None:
            self.areas.reported(
                person=cases,
                report=report,
                onset=self.disease.onset(cases),
                sample=sample_time[pos],
                isolation=isolation,
                in_control=in_control[pos],
            )
        closures = self.scenario.closures
        if closures.enabled and self.local_cases >= closures.trigger_cases:
            types = [PLACE_TYPES.index(t) for t in closures.place_types]
            self.control.closed |= np.isin(self.city.place_type, types)
        ms = self.scenario.mass_screening
        if ms.enabled:
            self.mass_districts.update(self.district[cases].tolist())
            if self.mass_next is None and self.local_cases >= ms.trigger_cases:
                self.mass_next = d + 1
        self.tracing.day(d)
        return cases

    def _trace_start(
        self, cases: np.ndarray, sample_time: np.ndarray, screened: np.ndarray
    ) -> None:
        contacts = self.protocol.contacts
        anchor = np.where(self.disease.symptomatic[cases], self.disease.onset(cases), sample_time)
        start = anchor - contacts.lookback_days
        if contacts.lookback_from_last_negative:
            prior = self.last_negative[cases]
            start = np.where(screened & np.isfinite(prior), np.maximum(prior, start), start)
        self.trace_from[cases] = start

    def _release(self, cases: np.ndarray, report: np.ndarray) -> np.ndarray:
        """When isolated cases may be released, by the protocol's criteria."""
        rule, dis = self.protocol.release, self.disease
        minimum = report + self.protocol.isolation.min_days
        if rule.negative_tests > 0 and rule.ct_threshold is not None:
            peak, inc, clear = dis.peak_ct[cases], dis.incubation[cases], dis.clearance[cases]
            need = np.maximum(
                rule.ct_threshold - peak, rule.ct_threshold - dis.orf1ab_offset[cases] - peak
            )
            ok = dis.infected_at[cases] + inc + clear * np.clip(need, 0, None) / (40 - peak)
            first_test = np.ceil(np.maximum(ok, report + 1))
            spacing = rule.min_interval_hours / 24.0
            result: np.ndarray = np.maximum(
                first_test + (rule.negative_tests - 1) * spacing, minimum
            )
            return result
        onset = dis.onset(cases)
        start = np.where(np.isfinite(onset), onset, report)
        released: np.ndarray = np.maximum(
            start + rule.min_days_after_onset + rule.symptom_free_days, minimum
        )
        return released
