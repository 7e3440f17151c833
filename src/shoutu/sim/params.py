"""The simulator's parameter files, validated (one schema per file)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shoutu.domain.vocabulary import PlaceType

PARAMS_DIR = Path(__file__).with_name("params")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Venue(_Strict):
    per_10k: float = Field(gt=0)
    staff: int = Field(ge=1)
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
