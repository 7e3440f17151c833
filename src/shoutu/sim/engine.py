"""The simulation loop. Its step order is written here, and only here.

Before day 0: build the city (people, households, buildings, schools and classes, workplaces
and offices, dormitories, nursing homes, venues and key places) from the population
parameters; write the city's files.

Each day d — one local calendar day of the city's time zone, from day 0 = the start date:
  0. control: at mid-day, who is free to go out (not isolated, quarantined or in a risk area),
     who mixes at all (not isolated or in centralised quarantine), which places are open;
  1. schedules: weekday or weekend; everyone free draws their venue visits (customers) and
     staff their shifts, at open places -> the day's check-ins;
  2. transmission: infectiousness of everyone infected, at mid-day; hazards in households,
     classes and offices (weekdays), dormitories, nursing homes, venues (overlapping minutes of
     today's check-ins) and the community; new infections with their setting, infector and
     place; then importations (day 0: the initial ones);
  3. natural history: each new infection's course (incubation, symptoms, severity, Ct curve)
     is drawn from streams keyed by the person;
  4. response (scenario + protocol): other respiratory illness; clinic visits and pharmacy
     sales; samples from fever clinics, antigen self-tests (PCR confirmation), hospitals,
     quarantine test days, routine and mass screening (pooled tubes, recall of positive tubes);
     results known by the end of the day make cases — reported, isolated, their risk areas
     set, venues closed; contacts due today are traced and quarantined;
  5. outputs: the day's check-ins, infections and samples are appended to their files; the
     day's counts per district are kept for ``daily.parquet``.

After the last day: the daily counts, cases, the contacts traced, the episodes of control
(with their stages and test days), visits and sales are written, then the summary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shoutu.domain.timeutil import zone
from shoutu.io.provenance import build_provenance, file_hash
from shoutu.progress import Progress, Silent
from shoutu.protocols.schema import Protocol
from shoutu.sim import geography
from shoutu.sim.control import Control
from shoutu.sim.disease import Disease
from shoutu.sim.outputs import Writer, building_population
from shoutu.sim.params import PARAMS_DIR, load_disease_params, load_population_params
from shoutu.sim.population import build_city
from shoutu.sim.response import Response
from shoutu.sim.rng import Streams
from shoutu.sim.scenario import Scenario
from shoutu.sim.schedule import Scheduler
from shoutu.sim.tracing import Tracer
from shoutu.sim.transmission import NewInfections, Transmission, importations


@dataclass(frozen=True)
class RunConfig:
    people: int
    days: int
    seed: int
    start: dt.date
    timezone: str
    protocol: Protocol
    protocol_hash: str
    scenario: Scenario
    summary_only: bool = False


def run_config(
    *,
    people: int,
    days: int,
    seed: int,
    scenario: str = "default",
    protocol: str = "cn-9th-2022",
    start: dt.date = dt.date(2022, 3, 1),
    timezone: str = "Asia/Shanghai",
    summary_only: bool = False,
    protocol_dir: Path | None = None,
) -> RunConfig:
    """A run configuration from names: a protocol (built in, or a city variant in
    ``protocol_dir``) and a scenario (built in, or a file)."""
    from shoutu.protocols.loader import ProtocolRegistry, protocol_hash
    from shoutu.sim.scenario import load_scenario

    loaded = ProtocolRegistry(protocol_dir).load(protocol)
    return RunConfig(
        people=people,
        days=days,
        seed=seed,
        start=start,
        timezone=timezone,
        protocol=loaded,
        protocol_hash=protocol_hash(loaded),
        scenario=load_scenario(scenario),
        summary_only=summary_only,
    )


def simulate(config: RunConfig, out_dir: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Run the simulation and write its files into ``out_dir``; returns the summary."""
    progress = progress or Silent()
    if config.days < 1:
        raise ValueError("days must be at least 1")
    params_path = PARAMS_DIR / "population.toml"
    disease_path = PARAMS_DIR / "omicron.toml"
    params = load_population_params(params_path)
    disease_params = load_disease_params(disease_path)
    scenario = config.scenario
    if scenario.importation_daily_rate is not None:
        importation = disease_params.importation.model_copy(
            update={"daily_rate": scenario.importation_daily_rate}
        )
        disease_params = disease_params.model_copy(update={"importation": importation})
    streams = Streams(config.seed)
    provenance = build_provenance(
        command="simulate",
        parameters={
            "people": config.people,
            "days": config.days,
            "seed": config.seed,
            "start_date": config.start.isoformat(),
            "timezone": config.timezone,
            "summary_only": config.summary_only,
            "scenario": scenario.model_dump(mode="json"),
        },
        input_hashes=[file_hash(params_path), file_hash(disease_path)],
        protocol=(config.protocol.name, config.protocol_hash),
    )
    local_midnight = dt.datetime.combine(config.start, dt.time(), tzinfo=zone(config.timezone))
    writer = Writer(
        out_dir, provenance, local_midnight.astimezone(dt.UTC), config.summary_only, config.start
    )

    progress.stage(f"building a city of {config.people:,}", None)
    city = build_city(config.people, params, streams)
    writer.city(city, geography.regions_table(city.geo, building_population(city)))
    scheduler = Scheduler(city, params)
    disease = Disease(city.age, city.doses, disease_params, streams)
    transmission = Transmission(city, disease_params, params)
    control = Control(city.n, city.n_places, config.protocol)
    keep_days = config.protocol.contacts.lookback_days + 14
    tracer = Tracer(transmission.groups, config.protocol, keep_days, city.place_type)
    response = Response(
        city, disease, control, tracer, scenario, config.protocol, streams, transmission.district
    )
    district, n_districts = transmission.district, transmission.n_districts
    counts = {
        name: np.zeros((config.days, n_districts), np.int64)
        for name in (
            "new_infections",
            "new_cases",
            "cases_in_control",
            "cases_in_community",
            "in_quarantine",
            "in_lockdown",
            "new_onsets",
            "infectious",
        )
    }

    progress.stage(f"simulating {config.days} days", config.days)
    checkins = 0
    for day in range(config.days):
        t_mid = day + 0.5
        free, mixing = control.masks(t_mid)  # 0
        open_places = ~control.closed
        weekend = (config.start + dt.timedelta(days=day)).weekday() >= 5
        today = scheduler.day(day, weekend, streams, free, open_places)  # 1
        tracer.remember(day, today)
        local = transmission.day(day, weekend, disease, today, mixing, streams, free)  # 2
        imported = importations(day, city, disease, disease_params, streams)
        keep = ~np.isin(local.person, imported.person)
        new = NewInfections.concat(
            [
                imported,
                NewInfections(
                    *(
                        getattr(local, f)[keep]
                        for f in ("person", "infector", "setting", "place", "time")
                    )
                ),
            ]
        )
        disease.infect(new.person, new.time)  # 3
        disease.imported[imported.person] = True
        cases = response.day(day)  # 4
        checkins += len(today)  # 5
        writer.checkins(day, today)
        writer.infections(new, disease.onset(new.person))
        samples = response.lab.samples.take()
        if samples is not None:
            writer.tests(samples)
        counts["new_infections"][day] = np.bincount(district[new.person], minlength=n_districts)
        in_control = control.under_control(t_mid)[cases] if len(cases) else np.zeros(0, bool)
        counts["new_cases"][day] = np.bincount(district[cases], minlength=n_districts)
        counts["cases_in_control"][day] = np.bincount(
            district[cases[in_control]], minlength=n_districts
        )
        counts["cases_in_community"][day] = (
            counts["new_cases"][day] - counts["cases_in_control"][day]
        )
        quarantined = (
            control.centralised(t_mid) | control.home_quarantine(t_mid) | (control.isolated(t_mid))
        )
        high, medium = control.locked_down(t_mid)
        counts["in_quarantine"][day] = np.bincount(district[quarantined], minlength=n_districts)
        counts["in_lockdown"][day] = np.bincount(district[high | medium], minlength=n_districts)
        infected = np.flatnonzero(disease.ever_infected)
        onsets = disease.onset(infected)
        counts["new_onsets"][day] = np.bincount(
            district[infected[(onsets >= day) & (onsets < day + 1)]], minlength=n_districts
        )
        infectious = infected[disease.infectiousness(infected, t_mid) > 0]
        counts["infectious"][day] = np.bincount(district[infectious], minlength=n_districts)
        response.end_of_day(day, today, samples)  # 6: risk areas, in force from tomorrow
        progress.advance(1)

    dates = [config.start + dt.timedelta(days=d) for d in range(config.days)]
    writer.daily(
        {
            "date": np.repeat(np.asarray(dates, dtype="datetime64[D]"), n_districts),
            "region_code": np.tile(np.asarray(city.geo.district_codes), config.days),
            **{name: values.ravel() for name, values in counts.items()},
        }
    )
    case_rows = response.cases.merged() if response.cases.columns else None
    writer.cases(case_rows)
    writer.contacts(response.tracing.log)
    writer.episodes(control.episodes)
    writer.visits(response.visits.merged() if response.visits.columns else None)
    writer.sales(response.sales.merged() if response.sales.columns else None)
    if response.areas is not None:
        writer.areas(response.areas.rows())
    citywide = counts["new_infections"].sum(axis=1)
    cases_total = int(counts["new_cases"].sum())
    households = city.household[city.household >= 0]
    summary = {
        "infections": int(citywide.sum()),
        "cases": cases_total,
        "cases_in_control_share": (
            round(int(counts["cases_in_control"].sum()) / cases_total, 4) if cases_total else None
        ),
        "tubes_tested": response.lab.tube_count,
        "people_tested": int(response.lab.people_tested.sum()),
        "quarantine_person_days": int(counts["in_quarantine"].sum()),
        "lockdown_person_days": int(counts["in_lockdown"].sum()),
        "risk_areas": len(response.areas.areas) if response.areas is not None else 0,
        **response.tracing.log.kind_counts(),
        "peak_day": dates[int(np.argmax(citywide))].isoformat() if citywide.any() else None,
        "scenario": scenario.name,
        "people": city.n,
        "households": len(np.unique(households)),
        "places": city.n_places,
        "checkins": checkins,
        "days": config.days,
        "start_date": config.start.isoformat(),
    }
    writer.close(summary)
    return summary
