"""Scenario files: which interventions run, and how (TOML, schema-validated).

The protocol says what the rules are (quarantine days, test days, lookback, risk-area timers,
screening frequencies, pooling ratios); a scenario says which interventions a city applies and
with what capacity and behaviour. A scenario file holds only what differs from the defaults
below, which are the built-in scenario ``default``. Built-in scenarios live in ``scenarios/``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shoutu.domain.vocabulary import PlaceType
from shoutu.errors import ShoutuError

SCENARIO_DIR = Path(__file__).with_name("scenarios")


class ScenarioError(ShoutuError):
    """A scenario that cannot be found, parsed or validated; names the file and field."""

    code = "scenario_error"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeverClinic(_Part):
    enabled: bool = Field(True, description="symptomatic people visit fever clinics and get PCR")
    visit_probability: float = Field(0.25, ge=0, le=1, description="chance a day, while ill")
    days: int = Field(3, ge=1, description="days after onset during which people seek care")
    result_hours: float = Field(6, ge=0, description="sampling to PCR result")


class AntigenSelfTest(_Part):
    enabled: bool = Field(True, description="symptomatic people self-test; positives get PCR")
    daily_probability: float = Field(0.3, ge=0, le=1, description="chance a day, while ill")
    confirm_hours: float = Field(24, ge=0, description="positive antigen to PCR result")


class RoutineScreening(_Part):
    enabled: bool = Field(False, description="key populations tested at protocol frequencies")
    result_hours: float = Field(12, ge=0, description="sampling to result")


class MassScreening(_Part):
    enabled: bool = Field(False, description="whole-area rounds with pooled tubes")
    trigger_cases: int = Field(
        3, ge=1, description="start when this many local cases have been reported"
    )
    rounds: int = Field(3, ge=1, description="rounds to run")
    interval_days: int | None = Field(
        None, ge=1, description="days between rounds (default: the protocol's rule)"
    )
    pool_size: int = Field(10, description="samples per tube (1, 5, 10 or 20)")
    participation: float = Field(0.9, ge=0, le=1, description="share of residents sampled")
    area: str = Field(
        "district",
        pattern="^(district|city)$",
        description="districts with cases, or the whole city",
    )
    result_hours: float = Field(12, ge=0, description="sampling to tube result")
    dilution_ct_shift_per_doubling: float = Field(
        1.0, ge=0, description="Ct shift per doubling of pool size (1.0: log2 k, conservative)"
    )


class Tracing(_Part):
    enabled: bool = Field(True, description="close (and secondary) contacts are traced")
    delay_hours: float | None = Field(
        None, ge=0, description="report to quarantine (default: protocol contact_control_hours)"
    )
    compliance: float = Field(
        0.9, ge=0, le=1, description="share of contacts found and quarantined"
    )
    secondary: bool = Field(True, description="also secondary contacts, if the protocol has them")


class Isolation(_Part):
    enabled: bool = Field(True, description="reported cases are isolated at once")


class Lockdown(_Part):
    enabled: bool = Field(
        False,
        description="risk areas by the protocol's rules (sim/areas.py): proposed from each "
        "day's cases and approved at once, high (stay at home) and medium (stay in the area), "
        "stepped down by the protocol's timers and screening rounds",
    )
    participation: float = Field(
        0.97, ge=0, le=1, description="share of an area's residents sampled in each round"
    )
    result_hours: float = Field(12.0, gt=0, description="hours from sampling to a round's result")


class Closures(_Part):
    enabled: bool = Field(False, description="close venues of some types")
    place_types: tuple[PlaceType, ...] = Field(
        (PlaceType.RESTAURANT, PlaceType.GYM, PlaceType.MALL),
        description="place types to close",
    )
    trigger_cases: int = Field(3, ge=1, description="close when this many local cases are reported")


class Background(_Part):
    ili_daily_rate: float = Field(
        0.001, ge=0, le=1, description="daily incidence of other respiratory illness"
    )
    ili_days: int = Field(4, ge=1, description="days other respiratory illness lasts")
    clinic_daily_rate: float = Field(
        0.002, ge=0, le=1, description="daily clinic visits for other reasons, per person"
    )
    pharmacy_probability: float = Field(
        0.3, ge=0, le=1, description="chance an ill person buys fever or cough medicine"
    )
    antigen_kit_probability: float = Field(
        0.2, ge=0, le=1, description="chance an ill person buys antigen kits"
    )


class Scenario(_Part):
    """A scenario: each part's defaults are the built-in ``default`` scenario."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9\-_]*$", description="scenario name")
    description: str = Field("", description="what the scenario is for")
    importation_daily_rate: float | None = Field(
        None, ge=0, description="imported infections a day (default: the disease parameters)"
    )
    fever_clinic: FeverClinic = Field(FeverClinic(), description="fever-clinic testing")
    antigen_self_test: AntigenSelfTest = Field(AntigenSelfTest(), description="self-testing")
    routine_screening: RoutineScreening = Field(RoutineScreening(), description="key populations")
    mass_screening: MassScreening = Field(MassScreening(), description="mass screening")
    tracing: Tracing = Field(Tracing(), description="contact tracing and quarantine")
    isolation: Isolation = Field(Isolation(), description="isolation of cases")
    lockdown: Lockdown = Field(Lockdown(), description="risk-area lockdown")
    closures: Closures = Field(Closures(), description="venue closures")
    background: Background = Field(Background(), description="other illness, clinics, pharmacies")


def builtin_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIO_DIR / f"{name_or_path}.toml"
        if not path.exists():
            raise ScenarioError(
                f"unknown scenario {name_or_path!r}; built in: {', '.join(builtin_scenarios())}"
            )
    if not path.exists():
        raise ScenarioError(f"{path}: file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    data.setdefault("name", path.stem)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ScenarioError(f"{path}: {problems}") from None
