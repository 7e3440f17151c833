"""The protocol schema. Every value a protocol edition sets is declared here, with its unit.

Durations are whole days (local days) or hours; test days are 1-based days of the episode.
"""

from __future__ import annotations

import datetime as dt
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shoutu.domain.vocabulary import (
    AreaMeasure,
    HelpStatus,
    IsolationSite,
    KeyPopulation,
    PlaceType,
    PlanAction,
    PlanParty,
    RegionLevel,
    RiskLevel,
    Setting,
    Symptom,
    TestMethod,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContactRule(_Strict):
    """When sharing a setting with a case makes someone a close contact."""

    min_overlap_minutes: int = Field(ge=0, description="minimum co-presence (0: any overlap)")
    max_distance_m: float | None = Field(default=None, ge=0, description="proximity, if set")
    note: str = ""


class SecondaryRule(_Strict):
    enabled: bool
    settings: tuple[Setting, ...] = ()
    tracing_delay_hours: int = Field(
        default=24,
        ge=0,
        description="assumed time from a case's isolation to its close "
        "contacts' quarantine when no quarantine time is known",
    )


class VenueClass(_Strict):
    """How long co-presence with a case at a venue makes a close contact or a companion."""

    close_minutes: int | None = Field(
        default=None,
        ge=0,
        description="at least this long: close contact (absent: never by duration alone)",
    )
    companion_minutes: int | None = Field(
        default=None,
        ge=0,
        description="at least this long (and short of close): companion (absent: none)",
    )

    @model_validator(mode="after")
    def _companion_below_close(self) -> Self:
        close, companion = self.close_minutes, self.companion_minutes
        if close is not None and companion is not None and companion > close:
            raise ValueError("companion_minutes must not exceed close_minutes")
        return self


class Companions(_Strict):
    """Spatiotemporal companions (时空伴随者): co-presence at a venue classified by the venue's
    type and its duration as close contact, companion or nothing, in place of the venue rule's
    single minimum. A venue whose type is unknown (no places given) follows ``default``."""

    default: VenueClass
    by_place_type: dict[PlaceType, VenueClass] = Field(default_factory=dict)
    note: str = ""


class Contacts(_Strict):
    lookback_days: int = Field(ge=0, description="days before onset (or sampling) traced")
    lookback_from_last_negative: bool = Field(
        description="cases found by repeated screening: trace from the last negative sample"
    )
    rules: dict[Setting, ContactRule]
    secondary: SecondaryRule
    companions: Companions | None = Field(
        default=None, description="venue co-presence by venue type (a city practice)"
    )


class Quarantine(_Strict):
    """One management episode: centralised, then home quarantine, then health monitoring."""

    centralised_days: int = Field(ge=0)
    home_days: int = Field(ge=0)
    health_monitoring_days: int = Field(default=0, ge=0)
    test_days_centralised: tuple[int, ...] = ()
    test_days_home: tuple[int, ...] = ()
    test_days_monitoring: tuple[int, ...] = ()
    counted_from: str = Field(
        default="last_exposure", pattern="^(last_exposure|arrival|identification)$"
    )

    @model_validator(mode="after")
    def _test_days_inside(self) -> Self:
        for name, days, limit in (
            ("test_days_centralised", self.test_days_centralised, self.centralised_days),
            ("test_days_home", self.test_days_home, self.home_days),
            ("test_days_monitoring", self.test_days_monitoring, self.health_monitoring_days),
        ):
            outside = [d for d in days if not 1 <= d <= limit]
            if outside:
                raise ValueError(f"{name} {outside} fall outside the {limit}-day period")
        return self

    @property
    def total_days(self) -> int:
        return self.centralised_days + self.home_days + self.health_monitoring_days


class QuarantineRules(_Strict):
    close_contact: Quarantine
    secondary_contact: Quarantine | None = None
    inbound_traveller: Quarantine | None = None
    companion: Quarantine | None = None
    # staff who handled goods, or worked at a site, a positive environment sample came from
    environment_exposed: Quarantine | None = None


class Release(_Strict):
    """When an isolated case may be released."""

    negative_tests: int = Field(ge=0, description="consecutive negative PCR tests required")
    min_interval_hours: int = Field(default=24, ge=0)
    ct_threshold: float | None = Field(default=None, description="Ct at or above = negative")
    genes: tuple[str, ...] = ()
    min_days_after_onset: int = Field(default=0, ge=0)
    symptom_free_days: int = Field(default=0, ge=0)
    post_release_monitoring_days: int = Field(default=0, ge=0)
    post_release_test_days: tuple[int, ...] = Field(
        default=(), description="1-based days of post-release monitoring with a PCR test"
    )

    @model_validator(mode="after")
    def _test_days_inside(self) -> Self:
        days = self.post_release_monitoring_days
        outside = [d for d in self.post_release_test_days if not 1 <= d <= days]
        if outside:
            raise ValueError(
                f"post_release_test_days {outside} fall outside the "
                f"{self.post_release_monitoring_days}-day monitoring"
            )
        return self


class Isolation(_Strict):
    confirmed_site: IsolationSite
    asymptomatic_site: IsolationSite
    min_days: int = Field(default=0, ge=0)
    test_days: tuple[int, ...] = Field(
        default=(), description="1-based days of isolation with a release test (PCR)"
    )


class HealthChecks(_Strict):
    """Daily health checks of people under control (temperature and symptoms)."""

    reports_per_day: int = Field(ge=1, description="reports due per person per local day")
    fever_celsius: float = Field(description="a temperature at or above this is fever")
    test_symptoms: tuple[Symptom, ...] = Field(
        default=(), description="symptoms that call for a test (fever always does)"
    )
    test_within_hours: float = Field(gt=0, description="fever or symptoms to a sample taken")
    note: str = ""


class RiskLevelRule(_Strict):
    """A risk level: what it means and when an area at it steps down (days counted from the
    area's last case, or from the day it took this level when it stepped down into it)."""

    measure: AreaMeasure
    definition_zh: str
    definition_en: str
    label_zh: str | None = Field(default=None, description="the level's local name (封控区…)")
    label_en: str | None = None
    downgrade_to: RiskLevel | None = None
    downgrade_after_days: int | None = Field(
        default=None, ge=1, description="consecutive days without a new infection inside"
    )
    downgrade_after_days_if_designated: int | None = Field(
        default=None,
        ge=1,
        description="the same for an area designated at this level from the start (not "
        "stepped down into it); default downgrade_after_days",
    )
    negative_round_on_day: int = Field(
        default=0,
        ge=0,
        description="a screening round of everyone inside, complete and all negative, on this "
        "day of the quiet period or later, is needed to step down (0: none; only for quiet "
        "periods at least this long)",
    )

    @model_validator(mode="after")
    def _both_or_none(self) -> Self:
        if (self.downgrade_to is None) != (self.downgrade_after_days is None):
            raise ValueError("downgrade_to and downgrade_after_days go together")
        return self


class RiskAreaRules(_Strict):
    """How cases propose risk areas: the residence high (a building, or its compound), the
    workplace and places of long stays at the protocol's levels, the rest of the county low."""

    high_extent: str = Field(pattern="^(building|community)$")
    workplace_level: RiskLevel | None = Field(
        default=None, description="a case's workplace (its building or compound); None: none"
    )
    stay_minutes: int | None = Field(
        default=None,
        ge=1,
        description="a place where the case stayed at least this long in its window (check-ins)",
    )
    stay_level: RiskLevel = RiskLevel.MEDIUM
    cases_in_control_create_areas: bool = Field(
        default=True,
        description="False: cases found inside isolation or the closed loop create no area",
    )


class ScreeningFrequency(_Strict):
    interval_days: float = Field(gt=0, description="days between routine tests (1 = daily)")
    method: TestMethod = TestMethod.PCR


class MassScreening(_Strict):
    round_hours: int = Field(gt=0, description="a delineated region finished within")
    daily_if_case_in_last_rounds: int = Field(default=0, ge=0)
    otherwise_interval_days: int = Field(default=2, ge=1)
    within_days: int = Field(default=14, ge=1)
    clear_after_negative_rounds: int = Field(
        default=2, ge=1, description="consecutive rounds without a positive before an area is clear"
    )
    clear_min_coverage: float = Field(
        default=0.9,
        ge=0,
        le=1,
        description="share of an area's target sampled for a round to count towards clearance",
    )


class Pooling(_Strict):
    default_ratio: int = Field(ge=1, description="samples per tube in mass screening")
    by_risk: dict[RiskLevel, int] = Field(default_factory=dict)
    single_tube_groups: tuple[KeyPopulation, ...] = ()
    validated_ratios: tuple[int, ...] = (1,)


class Timeliness(_Strict):
    report_hours: float = Field(gt=0, description="positive result to case report")
    investigation_hours: float = Field(gt=0, description="report to completed investigation")
    contact_control_hours: float = Field(gt=0, description="report to contacts under control")
    isolation_hours: float = Field(gt=0, description="case report to isolation (应治尽治)")
    pool_recall_hours: float = Field(gt=0, description="positive pool to members re-sampled")
    signal_response_hours: float = Field(gt=0, description="signal to first response")


class CommunityZero(_Strict):
    """When a region has reached community zero (社会面清零), judged per region and local day
    on the cases found outside control (社会面: community screening, symptomatic visits)."""

    days: int = Field(ge=1, description="consecutive days without a community case for 清零")
    basic_rate_per_100k: float = Field(
        gt=0,
        description="基本清零: community cases below this many per 100,000 residents on each "
        "of those days",
    )


class HelpDeadline(_Strict):
    """How soon a help request of one severity must be met, at each level it reaches."""

    label_zh: str
    label_en: str
    hours: float = Field(gt=0, description="from triage (or escalation) to the deadline")
    met_by: HelpStatus = Field(
        description="the state that meets the deadline: in_progress (acknowledged, someone "
        "acting on it) or resolved"
    )
    dispatch_now: bool = Field(
        default=False, description="dispatch at once (120, closed-loop vehicle) on triage"
    )

    @model_validator(mode="after")
    def _met_by_a_working_state(self) -> Self:
        if self.met_by not in (HelpStatus.IN_PROGRESS, HelpStatus.RESOLVED):
            raise ValueError("met_by must be in_progress or resolved")
        return self


class ClosedLoop(_Strict):
    """Closed-loop management of staff at ports, airports, the cold chain and quarantine
    sites (闭环管理)."""

    test_interval_days: float = Field(
        gt=0,
        description="days between PCR tests in the loop for a worker whose key population has "
        "no interval of its own",
    )
    after_leaving: Quarantine = Field(description="the measure after leaving the loop")


class KeyPlaces(_Strict):
    """Key places' daily monitoring reports (重点场所每日报告)."""

    daily_report_types: tuple[PlaceType, ...] = Field(
        description="place types that send a daily report (attendance, absence with reasons, "
        "symptomatic people, disinfection)"
    )
    report_due_hour: int = Field(
        ge=0,
        le=23,
        description="local hour of the next day by which a day's report is due; later it is "
        "overdue",
    )


class BoosterRule(_Strict):
    """Who may have a booster dose, and how long after their last dose, from a day on."""

    effective: dt.date = Field(description="the day the rule takes effect")
    booster: int | None = Field(
        None, ge=1, le=2, description="which booster (1, 2; none: whichever is next)"
    )
    months_after: int = Field(gt=0, description="months after the last dose")
    min_age: int = Field(18, ge=0, description="age (years, on the day) from which it applies")
    uninfected_only: bool = Field(False, description="only people with no case")
    source: str = Field(description="the notice")


class Vaccination(_Strict):
    """Vaccination (加强免疫接种): each product's primary series and the booster rules."""

    primary_doses: dict[str, int] = Field(
        description="doses of each product's primary series (product name -> doses)"
    )
    boosters: tuple[BoosterRule, ...] = ()


class OriginRules(_Strict):
    """How a case is classified imported or local (境外输入 / 本土)."""

    imported_within_days: int = Field(
        gt=0,
        description="a case whose onset (else sampling, else report) falls within this many "
        "days after the person's inbound arrival is imported",
    )


class HelpRequests(_Strict):
    """Deadlines of help requests (求助) by severity 1 (life-threatening) to 4 (no danger),
    and the levels an overdue request escalates through, each with its own clock."""

    proposal: bool = Field(
        description="True: the values are a proposal (no official text gives them), marked so"
    )
    source: str
    deadlines: dict[int, HelpDeadline]
    escalation: tuple[RegionLevel, ...] = Field(
        default=(RegionLevel.COMMUNITY, RegionLevel.TOWN, RegionLevel.DISTRICT, RegionLevel.CITY),
        description="the levels responsible in turn, first the community of the address",
    )
    untriaged_hours: float = Field(
        default=0.5,
        gt=0,
        description="a request not yet triaged must be by then (else it escalates)",
    )

    @model_validator(mode="after")
    def _four_severities(self) -> Self:
        if sorted(self.deadlines) != [1, 2, 3, 4]:
            raise ValueError("help_requests.deadlines needs severities 1, 2, 3 and 4")
        if not self.escalation or len(set(self.escalation)) != len(self.escalation):
            raise ValueError("help_requests.escalation lists distinct levels")
        return self


class PlanStep(_Strict):
    """One step of a key place's response plan: what, who, due how many hours after the
    trigger."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    action: PlanAction
    party: PlanParty
    due_hours: float = Field(gt=0)
    text_zh: str
    text_en: str


class ResponsePlan(_Strict):
    """The steps when a case or a signal touches a key place of these types (files in
    ``protocols/plans/``); each step a task with its party and due time when triggered."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    title_zh: str
    title_en: str
    proposal: bool = Field(description="True: the times are a proposal, marked so")
    sources: tuple[str, ...] = ()
    place_types: tuple[PlaceType, ...] = Field(min_length=1)
    steps: tuple[PlanStep, ...] = Field(min_length=1)
    reopen_rule_zh: str
    reopen_rule_en: str

    @model_validator(mode="after")
    def _unique_steps(self) -> Self:
        keys = [s.key for s in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError("plan steps need distinct keys")
        return self


class Protocol(_Strict):
    """A protocol edition, resolved (``extends`` applied)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    title_zh: str
    title_en: str
    jurisdiction: str
    effective_date: dt.date
    sources: tuple[str, ...] = ()
    extends: str | None = None
    contacts: Contacts
    quarantine: QuarantineRules
    release: Release
    isolation: Isolation
    risk_levels: dict[RiskLevel, RiskLevelRule] = Field(default_factory=dict)
    risk_areas: RiskAreaRules | None = None
    key_populations: dict[KeyPopulation, ScreeningFrequency] = Field(default_factory=dict)
    mass_screening: MassScreening | None = None
    pooling: Pooling
    timeliness: Timeliness
    health_checks: HealthChecks | None = None
    community_zero: CommunityZero | None = None  # a Chinese practice; other editions have none
    help_requests: HelpRequests | None = None
    origin: OriginRules | None = None
    key_places: KeyPlaces | None = None
    closed_loop: ClosedLoop | None = None
    vaccination: Vaccination | None = None

    @model_validator(mode="after")
    def _companions_have_a_measure(self) -> Self:
        if self.contacts.companions is not None:
            if Setting.VENUE not in self.contacts.rules:
                raise ValueError("contacts.companions needs a venue rule (contacts.rules.venue)")
            if self.quarantine.companion is None:
                raise ValueError("contacts.companions needs quarantine.companion (their measure)")
        return self

    @model_validator(mode="after")
    def _area_levels_exist(self) -> Self:
        rules = self.risk_areas
        if rules is not None:
            used = {RiskLevel.HIGH, rules.workplace_level}
            if rules.stay_minutes is not None:
                used.add(rules.stay_level)
            missing = sorted(x.value for x in used if x is not None and x not in self.risk_levels)
            if missing:
                raise ValueError(f"risk_areas uses risk levels {missing} that risk_levels lacks")
        return self

    @model_validator(mode="after")
    def _downgrades_go_down(self) -> Self:
        order = list(RiskLevel)
        for level, rule in self.risk_levels.items():
            if rule.downgrade_to is not None and order.index(rule.downgrade_to) <= order.index(
                level
            ):
                raise ValueError(f"risk level {level.value} must downgrade to a lower level")
        return self
