"""The operational store's tables (SQLAlchemy 2.x declarative). Migrations: store/migrations.

Every entity carries ``created_at``, ``updated_at`` and ``updated_by``. Personal identifiers
are stored only as AES-GCM ciphertext (``*_enc``) plus a keyed hash (``*_hash``) for lookup.
Vocabulary columns hold the values of :mod:`shoutu.domain.vocabulary`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.schema import Table

from shoutu.domain import vocabulary as v
from shoutu.store.types import BigId, UTCDateTime, Vocab

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime()}


class Stamped:
    """Who changed a row and when."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))


class Responsible:
    """The four responsible parties (四方责任): territory, department, unit, person."""

    resp_region: Mapped[str | None] = mapped_column(String(16), ForeignKey("regions.code"))
    resp_department: Mapped[str | None] = mapped_column(String(128))
    resp_unit: Mapped[str | None] = mapped_column(String(128))
    resp_person: Mapped[str | None] = mapped_column(String(64))


class Region(Stamped, Base):
    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[v.RegionLevel] = mapped_column(Vocab(v.RegionLevel))
    parent_code: Mapped[str | None] = mapped_column(
        String(16), ForeignKey("regions.code"), index=True
    )
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(128))
    population: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    polygon: Mapped[str | None] = mapped_column(Text)  # GeoJSON geometry


class Place(Stamped, Base):
    __tablename__ = "places"
    place_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[v.PlaceType] = mapped_column(Vocab(v.PlaceType))
    region_code: Mapped[str] = mapped_column(String(16), ForeignKey("regions.code"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    venue_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    capacity: Mapped[int | None] = mapped_column(Integer)


class Person(Stamped, Base):
    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("id_type", "id_number_hash"),
        Index("ix_people_updated_at", "updated_at"),  # the roster's stamp: the last change
    )
    # generated for the people of line-list cases; imported people keep theirs
    person_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str | None] = mapped_column(String(128))
    id_type: Mapped[v.IdType | None] = mapped_column(Vocab(v.IdType))
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str | None] = mapped_column(String(64))
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    sex: Mapped[v.Sex] = mapped_column(Vocab(v.Sex))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    home_region_code: Mapped[str | None] = mapped_column(
        String(16), ForeignKey("regions.code"), index=True
    )
    workplace_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("places.place_id"))
    school_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("places.place_id"))
    key_population: Mapped[v.KeyPopulation | None] = mapped_column(Vocab(v.KeyPopulation))
    vaccination_doses: Mapped[int] = mapped_column(Integer, default=0)
    last_vaccination_date: Mapped[dt.date | None] = mapped_column(Date)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Case(Stamped, Responsible, Base):
    __tablename__ = "cases"
    # the case list's order (latest report first, then id), read backwards page by page
    __table_args__ = (Index("ix_cases_report_time_case_id", "report_time", "case_id"),)
    # generated for cases from results; imported cases keep theirs (the sequence moves past)
    case_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.person_id"), index=True)
    classification: Mapped[v.CaseClass] = mapped_column(Vocab(v.CaseClass))
    severity: Mapped[v.Severity | None] = mapped_column(Vocab(v.Severity))
    origin: Mapped[v.Origin] = mapped_column(Vocab(v.Origin))
    origin_reason: Mapped[str | None] = mapped_column(Text)  # why (cases classify)
    channel: Mapped[v.Channel] = mapped_column(Vocab(v.Channel))
    found_in_control: Mapped[bool] = mapped_column(Boolean)
    region_code: Mapped[str | None] = mapped_column(String(16), ForeignKey("regions.code"))
    infection_time: Mapped[dt.datetime | None]
    onset_time: Mapped[dt.datetime | None]
    sample_time: Mapped[dt.datetime | None]
    report_time: Mapped[dt.datetime]
    isolation_time: Mapped[dt.datetime | None]
    release_time: Mapped[dt.datetime | None]
    status: Mapped[v.CaseStatus] = mapped_column(Vocab(v.CaseStatus))
    infector_case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.case_id"))
    cluster_id: Mapped[str | None] = mapped_column(String(64), index=True)
    protocol: Mapped[str] = mapped_column(String(64))


class Contact(Stamped, Base):
    __tablename__ = "contacts"
    contact_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    index_case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.case_id"), index=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.person_id"), index=True)
    kind: Mapped[v.ContactKind] = mapped_column(Vocab(v.ContactKind))
    via_person_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("people.person_id"))
    setting: Mapped[v.Setting] = mapped_column(Vocab(v.Setting))
    place_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("places.place_id"))
    exposure_start: Mapped[dt.datetime | None]
    exposure_end: Mapped[dt.datetime | None]
    last_exposure_date: Mapped[dt.date] = mapped_column(Date)
    rule: Mapped[str] = mapped_column(Text)
    identified_time: Mapped[
        dt.datetime | None
    ]  # when tracing found them (the protocol may count from it)


class Sample(Stamped, Base):
    __tablename__ = "samples"
    sample_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tube_id: Mapped[str] = mapped_column(String(64), index=True)
    pool_size: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.person_id"), index=True)
    site_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("places.place_id"))
    method: Mapped[v.TestMethod] = mapped_column(Vocab(v.TestMethod))
    sample_time: Mapped[dt.datetime]


class TestResult(Stamped, Base):
    __tablename__ = "test_results"
    __test__ = False
    result_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tube_id: Mapped[str] = mapped_column(String(64), index=True)
    lab_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("places.place_id"))
    method: Mapped[v.TestMethod] = mapped_column(Vocab(v.TestMethod))
    result_time: Mapped[dt.datetime]
    result: Mapped[v.TestOutcome] = mapped_column(Vocab(v.TestOutcome))
    ct_n: Mapped[float | None] = mapped_column(Float)
    ct_orf1ab: Mapped[float | None] = mapped_column(Float)


class ControlMeasure(Stamped, Responsible, Base):
    __tablename__ = "control_measures"
    measure_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.person_id"), index=True)
    kind: Mapped[v.ControlKind] = mapped_column(Vocab(v.ControlKind))
    status: Mapped[v.ControlStatus] = mapped_column(Vocab(v.ControlStatus))
    reason: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.case_id"))
    contact_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("contacts.contact_id"))
    place_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("places.place_id"))
    start_time: Mapped[dt.datetime]
    planned_end_time: Mapped[dt.datetime | None]
    end_time: Mapped[dt.datetime | None]
    protocol: Mapped[str] = mapped_column(String(64))
    site: Mapped[str | None] = mapped_column(Text)  # quarantine hotel, hospital, home
    # the chained stages: [{"kind", "start", "planned_end", "test_days": [ISO dates]}]
    stages: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # the planned end before the latest extension (each extension is audited too)
    previous_planned_end_time: Mapped[dt.datetime | None]
    arrival_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("arrivals.arrival_id"))
    # where the person is held (a quarantine hotel, hospital: a place with rooms, its capacity)
    site_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("places.place_id"))
    site_since: Mapped[dt.datetime | None]  # when the person moved into the site
    hold_reason: Mapped[str | None] = mapped_column(Text)  # why a release is held
    # the risk area whose residents it holds (sealed or controlled area)
    area_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("risk_areas.area_id"))
    # the positive environment sample whose batch the person handled (物传人 risk)
    environment_sample_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("environment_samples.sample_id"), index=True
    )
    # the closed-loop stay whose leaving it follows
    loop_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("closed_loop_stays.loop_id"), index=True
    )


class Arrival(Stamped, Base):
    """An inbound traveller's arrival (入境): it opens their quarantine."""

    __tablename__ = "arrivals"
    __table_args__ = (UniqueConstraint("person_id", "arrival_time"),)
    arrival_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.person_id"))
    arrival_time: Mapped[dt.datetime]
    port_place_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("places.place_id"))
    origin_country: Mapped[str | None] = mapped_column(String(64))


class HealthCheck(Stamped, Base):
    """A temperature and symptom report by a person under control (健康监测)."""

    __tablename__ = "health_checks"
    __table_args__ = (UniqueConstraint("person_id", "check_time"),)
    check_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.person_id"))
    measure_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("control_measures.measure_id"), index=True
    )
    check_time: Mapped[dt.datetime]
    temperature: Mapped[float | None] = mapped_column(Float)  # degrees Celsius
    symptoms: Mapped[list[str] | None] = mapped_column(JSON)  # Symptom values
    channel: Mapped[v.CheckChannel] = mapped_column(Vocab(v.CheckChannel))


class RiskArea(Stamped, Responsible, Base):
    __tablename__ = "risk_areas"
    area_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    region_code: Mapped[str] = mapped_column(String(16), ForeignKey("regions.code"), index=True)
    level: Mapped[v.RiskLevel] = mapped_column(Vocab(v.RiskLevel))
    measure: Mapped[v.AreaMeasure] = mapped_column(Vocab(v.AreaMeasure))
    reason: Mapped[str] = mapped_column(Text)
    start_time: Mapped[dt.datetime]
    last_case_time: Mapped[dt.datetime | None]
    end_time: Mapped[dt.datetime | None]
    protocol: Mapped[str] = mapped_column(String(64))
    # the emergency-response issue: proposal, approval, the clock, the extent
    status: Mapped[v.AreaStatus] = mapped_column(Vocab(v.AreaStatus), server_default="approved")
    proposed_date: Mapped[dt.date | None] = mapped_column(Date)
    since_date: Mapped[dt.date | None] = mapped_column(Date)  # the current level's first day
    clock_date: Mapped[dt.date | None] = mapped_column(Date)  # the quiet period counts from
    designated: Mapped[bool | None] = mapped_column(Boolean)  # at this level since designation
    extent: Mapped[list[str] | None] = mapped_column(JSON)  # region codes (the area's parts)
    cases: Mapped[list[int] | None] = mapped_column(JSON)  # the cases behind it
    population: Mapped[int | None] = mapped_column(Integer)  # residents inside (the registry)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_time: Mapped[dt.datetime | None]
    held_reason: Mapped[str | None] = mapped_column(Text)
    earliest_downgrade: Mapped[dt.date | None] = mapped_column(Date)
    # the mass-screening campaign the area started or joined on approval
    campaign_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("campaigns.campaign_id"))


class RiskAreaChange(Stamped, Base):
    """An area's history: each change of level (to None: lifted), with its reason."""

    __tablename__ = "risk_area_changes"
    change_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    area_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("risk_areas.area_id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)  # the first day of the change
    from_level: Mapped[v.RiskLevel | None] = mapped_column(Vocab(v.RiskLevel))
    to_level: Mapped[v.RiskLevel | None] = mapped_column(Vocab(v.RiskLevel))
    clock_date: Mapped[dt.date | None] = mapped_column(Date)  # the quiet period counts from
    reason: Mapped[str] = mapped_column(Text)


class Signal(Stamped, Responsible, Base):
    __tablename__ = "signals"
    signal_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(64))  # a Channel value or an imported series name
    region: Mapped[str] = mapped_column(String(64))  # region code or analytics label
    method: Mapped[str] = mapped_column(String(32))
    date_start: Mapped[dt.date] = mapped_column(Date)
    date_end: Mapped[dt.date] = mapped_column(Date)
    observed: Mapped[float] = mapped_column(Float)
    statistic: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    status: Mapped[v.SignalStatus] = mapped_column(Vocab(v.SignalStatus))
    due_time: Mapped[dt.datetime | None]
    __table_args__ = (Index("ix_signals_series", "channel", "region", "method", "date_end"),)


class Task(Stamped, Responsible, Base):
    __tablename__ = "tasks"
    task_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[v.TaskKind] = mapped_column(Vocab(v.TaskKind))
    status: Mapped[v.TaskStatus] = mapped_column(Vocab(v.TaskStatus))
    subject_type: Mapped[str] = mapped_column(String(32))  # table name of the subject
    subject_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    open_time: Mapped[dt.datetime]  # the event's time: the deadline counts from it
    due_time: Mapped[dt.datetime | None]
    done_time: Mapped[dt.datetime | None]
    priority: Mapped[int | None] = mapped_column(Integer)  # 1 urgent, 2 high, 3 normal, 4 low
    reply: Mapped[str | None] = mapped_column(Text)  # the assignee's last word on it
    # a summary task (beyond a kind's daily cap): the subjects it stands for
    items: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    __table_args__ = (Index("ix_tasks_subject", "subject_type", "subject_id"),)


class Responsibility(Stamped, Base):
    """Who answers for a kind of task in a region and below (四方责任, kept as data): a task
    takes the rule of its kind at the nearest region at or above its subject's region."""

    __tablename__ = "responsibilities"
    __table_args__ = (UniqueConstraint("kind", "region_code"),)
    rule_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))  # a task kind, or "*" for any kind
    region_code: Mapped[str] = mapped_column(String(16), ForeignKey("regions.code"))
    department: Mapped[str | None] = mapped_column(String(128))
    unit: Mapped[str | None] = mapped_column(String(128))
    person: Mapped[str | None] = mapped_column(String(128))


class CaseReclassification(Stamped, Base):
    """A case's classification changed at a moment (转归: an asymptomatic infection that
    becomes a confirmed case), kept so that what was true at any moment can be recounted."""

    __tablename__ = "case_reclassifications"
    __table_args__ = (UniqueConstraint("case_id", "at"),)
    reclassification_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.case_id"), index=True)
    from_class: Mapped[v.CaseClass] = mapped_column(Vocab(v.CaseClass))
    to_class: Mapped[v.CaseClass] = mapped_column(Vocab(v.CaseClass))
    at: Mapped[dt.datetime]


class Campaign(Stamped, Responsible, Base):
    """A mass-screening campaign: an area (a region subtree), rounds and their time limits."""

    __tablename__ = "campaigns"
    campaign_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    region_code: Mapped[str] = mapped_column(String(16), ForeignKey("regions.code"))
    risk_level: Mapped[v.RiskLevel] = mapped_column(Vocab(v.RiskLevel))
    start_time: Mapped[dt.datetime]
    rounds: Mapped[int] = mapped_column(Integer)
    round_hours: Mapped[float] = mapped_column(Float)
    interval_hours: Mapped[float] = mapped_column(Float)
    pool_ratio: Mapped[int] = mapped_column(Integer)
    protocol: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    __tablename__ = "audit_events"
    event_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[v.AuditAction] = mapped_column(Vocab(v.AuditAction))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)
    # the chain: the write unit, the event's place in it, and its hash (of the one before it
    # in the unit and its own content); units are linked in order by AuditLink
    unit: Mapped[str | None] = mapped_column(String(32), index=True)
    pos: Mapped[int | None] = mapped_column(Integer)
    hash: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)


class AuditLink(Base):
    """A write unit's events joined to the audit chain: the head is the hash of the head
    before, the unit, its event count and its last event's hash."""

    __tablename__ = "audit_links"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit: Mapped[str] = mapped_column(String(32), unique=True)
    events: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    head: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class StoredBatch(Stamped, Base):
    """An event batch whose registry side (a workflow) must run: stored first, processed only
    when that workflow has committed."""

    __tablename__ = "event_batches"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    batch: Mapped[str] = mapped_column(String(64), primary_key=True)
    file: Mapped[str] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[dt.datetime]
    processed_at: Mapped[dt.datetime | None]


class StoreMeta(Base):
    """Facts about the store itself: the fingerprint of the key that encrypts its personal
    data, whether a demo made it."""

    __tablename__ = "store_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))


class HelpRequest(Stamped, Responsible, Base):
    """A help request (求助) from someone in a risk area or under control: what, how urgent,
    the level now responsible (its own clock and deadline), the episode or area it came from.
    The free-text note may name people: stored only encrypted."""

    __tablename__ = "help_requests"
    request_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_ref: Mapped[str | None] = mapped_column(String(64), unique=True)  # the log's own id
    person_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("people.person_id"))
    region_code: Mapped[str] = mapped_column(String(16), ForeignKey("regions.code"), index=True)
    category: Mapped[v.HelpCategory] = mapped_column(Vocab(v.HelpCategory))
    vulnerable: Mapped[list[str]] = mapped_column(JSON)
    severity: Mapped[int | None] = mapped_column(Integer)  # 1 life-threatening … 4 no danger
    channel: Mapped[v.HelpChannel] = mapped_column(Vocab(v.HelpChannel))
    status: Mapped[v.HelpStatus] = mapped_column(Vocab(v.HelpStatus), index=True)
    level: Mapped[v.RegionLevel] = mapped_column(Vocab(v.RegionLevel))
    medical: Mapped[bool] = mapped_column(Boolean)  # never waits on a test result
    received_time: Mapped[dt.datetime]
    triaged_time: Mapped[dt.datetime | None]
    clock_time: Mapped[dt.datetime]  # the current level's clock starts
    due_time: Mapped[dt.datetime]
    met_time: Mapped[dt.datetime | None]  # the deadline's state reached
    resolved_time: Mapped[dt.datetime | None]
    measure_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("control_measures.measure_id")
    )
    area_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("risk_areas.area_id"))
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    outcome: Mapped[str | None] = mapped_column(Text)
    protocol: Mapped[str] = mapped_column(String(64))


class HelpRequestStep(Stamped, Base):
    """A help request's history: every step (received, triaged, assigned, escalated, a
    facility's refusal…) with its time, states and level."""

    __tablename__ = "help_request_steps"
    step_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("help_requests.request_id"), index=True
    )
    time: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(32))
    facility: Mapped[str | None] = mapped_column(String(128))  # a refusal's facility
    detail: Mapped[str | None] = mapped_column(Text)


class PlanRun(Stamped, Base):
    """A key place's response plan triggered (by a case, a signal) or run as a drill: its
    steps are tasks whose subject is this run."""

    __tablename__ = "plan_runs"
    run_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    place_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("places.place_id"), index=True)
    plan: Mapped[str] = mapped_column(String(64))
    drill: Mapped[bool] = mapped_column(Boolean)
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.case_id"))
    signal_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("signals.signal_id"))
    reason: Mapped[str] = mapped_column(Text)
    start_time: Mapped[dt.datetime]


class EnvironmentSample(Stamped, Base):
    """An environment or goods sample (环境/物品标本) at a site: a positive one puts the staff
    who handled its batch under control and traces the batch."""

    __tablename__ = "environment_samples"
    sample_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sample_ref: Mapped[str] = mapped_column(String(64), unique=True)
    site_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("places.place_id"), index=True)
    object: Mapped[v.EnvironmentObject] = mapped_column(Vocab(v.EnvironmentObject))
    batch_no: Mapped[str | None] = mapped_column(String(64), index=True)
    origin_country: Mapped[str | None] = mapped_column(String(64))
    sample_time: Mapped[dt.datetime]
    result: Mapped[v.TestOutcome] = mapped_column(Vocab(v.TestOutcome))
    ct: Mapped[float | None] = mapped_column(Float)


class Investigation(Stamped, Base):
    """A case's epidemiological investigation (流调): when it began and finished, and the
    source the investigators hold most likely; its contacts are the contacts table's."""

    __tablename__ = "investigations"
    investigation_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.case_id"), unique=True)
    source_hypothesis: Mapped[str | None] = mapped_column(Text)
    started_time: Mapped[dt.datetime]
    finished_time: Mapped[dt.datetime | None]


class VaccinationDose(Stamped, Base):
    """One dose of COVID-19 vaccine given to a person (接种记录)."""

    __tablename__ = "vaccinations"
    __table_args__ = (UniqueConstraint("person_id", "dose_number"),)
    dose_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.person_id"), index=True)
    dose_date: Mapped[dt.date] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(64))
    manufacturer: Mapped[str | None] = mapped_column(String(128))
    dose_number: Mapped[int] = mapped_column(Integer)
    batch: Mapped[str | None] = mapped_column(String(64))
    site_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("places.place_id"))


class LoopStay(Stamped, Base):
    """A worker's time in a closed loop at a site (闭环管理), from entering to leaving (None:
    still in it)."""

    __tablename__ = "closed_loop_stays"
    __table_args__ = (UniqueConstraint("person_id", "start_time"),)
    loop_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.person_id"), index=True)
    place_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("places.place_id"))
    start_time: Mapped[dt.datetime]
    left_time: Mapped[dt.datetime | None]


class PlaceReport(Stamped, Base):
    """A key place's daily monitoring report (重点场所每日报告) for one local day."""

    __tablename__ = "place_reports"
    __table_args__ = (UniqueConstraint("place_id", "report_date"),)
    report_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    place_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("places.place_id"), index=True)
    report_date: Mapped[dt.date] = mapped_column(Date, index=True)
    expected: Mapped[int | None]  # enrolled pupils, residents, staff on the roster
    present: Mapped[int | None]
    absent: Mapped[int | None]
    absent_ill: Mapped[int | None]  # absent for illness (fever, respiratory, other)
    symptomatic: Mapped[int]  # people present with fever or respiratory symptoms
    disinfected: Mapped[bool] = mapped_column(Boolean)
    absence_reasons: Mapped[str | None] = mapped_column(Text)
    received_time: Mapped[dt.datetime]


class GoodsMovement(Stamped, Base):
    """A batch of inbound goods (a lot, a container) at a place, from its arrival to when it
    left (None: still there)."""

    __tablename__ = "goods_movements"
    __table_args__ = (UniqueConstraint("batch_no", "place_id", "arrived_time"),)
    movement_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_no: Mapped[str] = mapped_column(String(64), index=True)
    place_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("places.place_id"))
    arrived_time: Mapped[dt.datetime]
    left_time: Mapped[dt.datetime | None]


class Shift(Stamped, Base):
    """A worker's shift at a site (排班): who could have handled what was there."""

    __tablename__ = "shifts"
    __table_args__ = (UniqueConstraint("person_id", "place_id", "start_time"),)
    shift_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.person_id"))
    place_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("places.place_id"), index=True)
    start_time: Mapped[dt.datetime]
    end_time: Mapped[dt.datetime]


class User(Stamped, Base):
    """A web user: a role (its rights), a capture scope and a view scope (region codes, each
    covering its subtree), an argon2 password hash; failed logins lock the account a while."""

    __tablename__ = "users"
    user_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[v.Role] = mapped_column(Vocab(v.Role))
    scope: Mapped[str] = mapped_column(String(16), ForeignKey("regions.code"))
    view_scope: Mapped[str] = mapped_column(String(16), ForeignKey("regions.code"))
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    last_login: Mapped[dt.datetime | None]


class UserSession(Base):
    """A login: only the hash of its random token is kept (a browser's cookie or an API
    client's bearer token); it ends at its expiry, at logout, or when the user is disabled."""

    __tablename__ = "user_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.user_id"), index=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


ENTITY_TABLES = {
    cls.__tablename__: cls
    for cls in (
        *(Region, Place, Person, Case, Contact, Sample, TestResult),
        *(ControlMeasure, RiskArea, Signal, Task, HelpRequest),
    )
}


def table(model: type[Base]) -> Table:
    """The Core table behind a mapped class (typed, for the repositories)."""
    result = model.__table__
    assert isinstance(result, Table)
    return result
