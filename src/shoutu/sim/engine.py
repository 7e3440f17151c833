"""The simulation loop. Its step order is written here, and only here.

Before day 0: build the city (people, households, buildings, schools and classes, workplaces
and offices, dormitories, nursing homes, venues and key places) from the population
parameters; write the city's files.

Each day d — one local calendar day of the city's time zone, from day 0 = the start date:
  1. schedules: weekday or weekend; every person free to go out draws their venue visits
     (customers) and staff their shifts, at open places -> the day's check-ins;
  2. outputs: the day's check-ins are appended to ``checkins.parquet`` (not kept in memory).

The disease (transmission by setting, natural history, tests) and interventions (testing,
tracing, quarantine, risk areas, closures) are the simulator issue's next increments; they
slot in between steps 1 and 2 and decide who is free to go out and which places are open.
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
from shoutu.sim.outputs import Writer, building_population
from shoutu.sim.params import PARAMS_DIR, load_population_params
from shoutu.sim.population import build_city
from shoutu.sim.rng import Streams
from shoutu.sim.schedule import Scheduler


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
    params = load_population_params(params_path)
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
        input_hashes=[file_hash(params_path)],
        protocol=config.protocol,
    )
    local_midnight = dt.datetime.combine(config.start, dt.time(), tzinfo=zone(config.timezone))
    writer = Writer(out_dir, provenance, local_midnight.astimezone(dt.UTC), config.summary_only)

    progress.stage(f"building a city of {config.people:,}", None)
    city = build_city(config.people, params, streams)
    writer.city(city, geography.regions_table(city.geo, building_population(city)))
    scheduler = Scheduler(city, params)
    free = np.ones(city.n, bool)
    open_places = np.ones(city.n_places, bool)

    progress.stage(f"simulating {config.days} days", config.days)
    checkins = 0
    for day in range(config.days):
        weekend = (config.start + dt.timedelta(days=day)).weekday() >= 5
        today = scheduler.day(day, weekend, streams, free, open_places)  # step 1
        checkins += len(today)
        writer.checkins(day, today)  # step 2
        progress.advance(1)

    households = city.household[city.household >= 0]
    summary = {
        "people": city.n,
        "households": len(np.unique(households)),
        "places": city.n_places,
        "checkins": checkins,
        "days": config.days,
        "start_date": config.start.isoformat(),
    }
    writer.close(summary)
    return summary
