"""The simulation loop. Its step order is written here, and only here.

Before day 0: build the city (people, households, buildings, schools and classes, workplaces
and offices, dormitories, nursing homes, venues and key places) from the population
parameters; write the city's files.

Each day d — one local calendar day of the city's time zone, from day 0 = the start date:
  1. schedules: weekday or weekend; every person free to go out draws their venue visits
     (customers) and staff their shifts, at open places -> the day's check-ins;
  2. transmission: infectiousness of everyone infected, at mid-day; hazards in households,
     classes and offices (weekdays), dormitories, nursing homes, venues (overlapping minutes of
     today's check-ins) and the community; new infections with their setting, infector and
     place; then importations (day 0: the initial ones);
  3. natural history: each new infection's course (incubation, symptoms, severity, Ct curve)
     is drawn from streams keyed by the person;
  4. outputs: the day's check-ins and infections are appended to their files; the day's
     counts per district are kept for ``daily.parquet``.

Interventions (testing, tracing, quarantine, risk areas, closures) are the simulator issue's
next increment: they act between steps 1 and 2 by deciding who is free to go out, who mixes,
and which places are open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shoutu.domain.timeutil import zone
from shoutu.io.provenance import build_provenance, file_hash
from shoutu.services.progress import Progress, Silent
from shoutu.sim import geography
from shoutu.sim.disease import Disease
from shoutu.sim.outputs import Writer, building_population
from shoutu.sim.params import PARAMS_DIR, load_disease_params, load_population_params
from shoutu.sim.population import build_city
from shoutu.sim.rng import Streams
from shoutu.sim.schedule import Scheduler
from shoutu.sim.transmission import NewInfections, Transmission, importations


@dataclass(frozen=True)
class RunConfig:
    people: int
    days: int
    seed: int
    start: dt.date
    timezone: str
    protocol: tuple[str, str]  # name and hash
    summary_only: bool = False


def simulate(config: RunConfig, out_dir: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Run the simulation and write its files into ``out_dir``; returns the summary."""
    progress = progress or Silent()
    if config.days < 1:
        raise ValueError("days must be at least 1")
    params_path = PARAMS_DIR / "population.toml"
    disease_path = PARAMS_DIR / "omicron.toml"
    params = load_population_params(params_path)
    disease_params = load_disease_params(disease_path)
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
        },
        input_hashes=[file_hash(params_path), file_hash(disease_path)],
        protocol=config.protocol,
    )
    local_midnight = dt.datetime.combine(config.start, dt.time(), tzinfo=zone(config.timezone))
    writer = Writer(out_dir, provenance, local_midnight.astimezone(dt.UTC), config.summary_only)

    progress.stage(f"building a city of {config.people:,}", None)
    city = build_city(config.people, params, streams)
    writer.city(city, geography.regions_table(city.geo, building_population(city)))
    scheduler = Scheduler(city, params)
    disease = Disease(city.age, city.doses, disease_params, streams)
    transmission = Transmission(city, disease_params, params)
    free = np.ones(city.n, bool)
    mixing = np.ones(city.n, bool)
    open_places = np.ones(city.n_places, bool)
    district = transmission.district
    n_districts = transmission.n_districts
    new_by_day = np.zeros((config.days, n_districts), np.int64)
    onsets_by_day = np.zeros((config.days, n_districts), np.int64)
    infectious_by_day = np.zeros((config.days, n_districts), np.int64)

    progress.stage(f"simulating {config.days} days", config.days)
    checkins = 0
    for day in range(config.days):
        weekend = (config.start + dt.timedelta(days=day)).weekday() >= 5
        today = scheduler.day(day, weekend, streams, free, open_places)  # 1
        local = transmission.day(day, weekend, disease, today, mixing, streams)  # 2
        imported = importations(day, city, disease, disease_params, streams)
        local_only = ~np.isin(local.person, imported.person)
        new = NewInfections.concat(
            [
                imported,
                NewInfections(
                    *(
                        getattr(local, f)[local_only]
                        for f in ("person", "infector", "setting", "place", "time")
                    )
                ),
            ]
        )
        disease.infect(new.person, new.time)  # 3
        onset = disease.onset(new.person)
        checkins += len(today)  # 4
        writer.checkins(day, today)
        writer.infections(new, onset)
        new_by_day[day] = np.bincount(district[new.person], minlength=n_districts)
        infected = np.flatnonzero(disease.ever_infected)
        all_onsets = disease.onset(infected)
        onset_today = infected[(all_onsets >= day) & (all_onsets < day + 1)]
        onsets_by_day[day] = np.bincount(district[onset_today], minlength=n_districts)
        infectious = infected[disease.infectiousness(infected, day + 0.5) > 0]
        infectious_by_day[day] = np.bincount(district[infectious], minlength=n_districts)
        progress.advance(1)

    dates = [config.start + dt.timedelta(days=d) for d in range(config.days)]
    writer.daily(
        {
            "date": np.repeat(np.asarray(dates, dtype="datetime64[D]"), n_districts),
            "region_code": np.tile(np.asarray(city.geo.district_codes), config.days),
            "new_infections": new_by_day.ravel(),
            "new_onsets": onsets_by_day.ravel(),
            "infectious": infectious_by_day.ravel(),
        }
    )
    households = city.household[city.household >= 0]
    citywide = new_by_day.sum(axis=1)
    summary = {
        "infections": int(citywide.sum()),
        "peak_day": dates[int(np.argmax(citywide))].isoformat() if citywide.any() else None,
        "people": city.n,
        "households": len(np.unique(households)),
        "places": city.n_places,
        "checkins": checkins,
        "days": config.days,
        "start_date": config.start.isoformat(),
    }
    writer.close(summary)
    return summary
