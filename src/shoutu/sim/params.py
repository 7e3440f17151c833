"""The simulator's parameter files, validated (one schema per file)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shoutu.domain.vocabulary import ImportRoute, PlaceType

PARAMS_DIR = Path(__file__).with_name("params")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Venue(_Strict):
    per_10k: float = Field(gt=0)
    staff: int = Field(ge=1)
    contact: float = Field(ge=0, le=1)
    visit: tuple[float, float, int, int, int, int]

    @property
    def weekday_rate(self) -> float:
        return self.visit[0]

    @property
    def weekend_rate(self) -> float:
        return self.visit[1]


class KeyPlace(_Strict):
    per_residents: int = Field(gt=0)
    staff: int = Field(ge=1)
    contact: float = Field(ge=0, le=1)


class Work(_Strict):
    employment: tuple[tuple[int, int, float], ...]
    office_size: int = Field(ge=2)
    company_size_median: float = Field(gt=1)
    company_size_sigma: float = Field(ge=0)
    teachers_per_class: float = Field(gt=0)


class PopulationParams(_Strict):
    sources: tuple[str, ...]
    age_bands: tuple[tuple[int, int, float], ...]
    household_sizes: tuple[float, float, float, float, float, float]
    people_per_community: int = Field(ge=100)
    households_per_building: int = Field(ge=1)
    communities_per_town: int = Field(ge=1)
    towns_per_district: int = Field(ge=1)
    nursing_home_share_80plus: float = Field(ge=0, le=1)
    dormitory_share_young_workers: float = Field(ge=0, le=1)
    dormitory_size: int = Field(ge=2)
    schools: dict[str, tuple[int, int, float, int, int]]
    work: Work
    venues: dict[PlaceType, Venue]
    key_places: dict[PlaceType, KeyPlace]
    vaccination: tuple[tuple[int, float, float, float, float], ...]

    def contact(self, ptype: PlaceType) -> float:
        """Close-range share at a place type (0 where people do not scan in)."""
        if ptype in self.venues:
            return self.venues[ptype].contact
        if ptype in self.key_places:
            return self.key_places[ptype].contact
        return 0.0

    @model_validator(mode="after")
    def _shares(self) -> Self:
        for row in self.vaccination:
            if abs(sum(row[1:]) - 1) > 1e-6:
                raise ValueError(f"vaccination shares for ages up to {row[0]} must sum to 1")
        if abs(sum(b[2] for b in self.age_bands) - 100) > 1:
            raise ValueError("age band percentages must sum to about 100")
        return self


def load_population_params(path: Path | None = None) -> PopulationParams:
    path = path or PARAMS_DIR / "population.toml"
    return PopulationParams.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))


class Beta(_Strict):
    household: float = Field(ge=0)
    school_class: float = Field(ge=0)
    office: float = Field(ge=0)
    dormitory: float = Field(ge=0)
    nursing_home: float = Field(ge=0)
    venue: float = Field(ge=0)
    community: float = Field(ge=0)


class Importation(_Strict):
    initial: int = Field(ge=0)
    daily_rate: float = Field(ge=0)
    shares: dict[ImportRoute, float]


class DiseaseParams(_Strict):
    sources: tuple[str, ...]
    incubation_mean: float = Field(gt=0)
    incubation_sd: float = Field(gt=0)
    asymptomatic: tuple[tuple[int, float], ...]
    peak_ct_mean: float
    peak_ct_sd: float = Field(ge=0)
    peak_ct_asymptomatic_shift: float
    clearance_min: float = Field(gt=0)
    clearance_max: float = Field(gt=0)
    orf1ab_offset_mean: float
    orf1ab_offset_sd: float = Field(ge=0)
    pcr_cutoff: float
    screening_positive_ct_mean: float
    screening_positive_ct_sd: float = Field(gt=0)
    culture_ct: float
    asymptomatic_infectiousness: float = Field(ge=0)
    post_peak_decay_days: float = Field(gt=0)
    antigen_midpoint_ct: float
    antigen_scale: float = Field(gt=0)
    antigen_specificity: float = Field(gt=0, le=1)
    severe: tuple[tuple[int, float, float, float], ...]
    susceptibility: tuple[float, float, float, float]
    beta: Beta
    importation: Importation


def load_disease_params(path: Path | None = None) -> DiseaseParams:
    path = path or PARAMS_DIR / "omicron.toml"
    return DiseaseParams.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
