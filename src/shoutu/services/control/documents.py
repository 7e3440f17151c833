"""``control document``: an episode's quarantine order (隔离通知书) or release certificate
(解除隔离证明), in Chinese, English or both (Chinese first), as PDF.

- The **order** of any quarantine or isolation episode, open or past (not one cancelled): the
  person, the reason, the measure and site, the start, each stage with its planned end and
  test days, the protocol, the issuer (the episode's responsible parties, else the person's
  district) and the issue date.
- The **certificate** of a released episode only (another is an InvalidTransition): the
  period, what it was released from, the rule and the samples it was released on as
  ``control release`` reads them (an isolation's pair that completes the rule by its end; the
  negative that did each quarantine test day) and the post-release monitoring that follows.

The person is masked unless a purpose is stated (read through the registry's audited read,
with it); each document issued is an audit event (``documents``, its number) in the unit that
writes the file. The number derives from the episode id (``GLTZ-00000012``, ``JCGL-…``); the
PDF is a function of the data and the issue date: the same document gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.timeutil import end_of_day, local_date, utcnow, zone
from shoutu.domain.vocabulary import AuditAction, ControlKind, ControlStatus, DocumentKind
from shoutu.errors import BadRequest, Conflict, FileUnusable, InvalidTransition, NotFound
from shoutu.io.documents import render_pdf, write_pdf
from shoutu.protocols.schema import Protocol
from shoutu.rules.release import Sample, isolation_verdict, stage_verdict
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.control import document_text as text
from shoutu.services.control.episode_list import as_json
from shoutu.services.control.episodes import QUARANTINE_KINDS
from shoutu.services.control.release import pcr_samples
from shoutu.services.registry.people import check_purpose, get_person
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import entities
from shoutu.store.repositories import measures as repo
from shoutu.store.tables import Arrival, Contact, ControlMeasure, Place, Region, table

#: the episodes that have documents: quarantine (every stage) and a case's isolation
DOCUMENTED = (*QUARANTINE_KINDS, ControlKind.ISOLATION)
PREFIX = {DocumentKind.ORDER: "GLTZ", DocumentKind.RELEASE: "JCGL"}
LANGS = {"zh": ("zh",), "en": ("en",), "both": ("zh", "en")}
DISTRICT_OR_ABOVE = ("district", "city", "province")
MAKE_UP = dt.timedelta(days=31)


@dataclass(frozen=True)
class Issued:
    """A document issued: its data (what the PDF shows), where it was written, its hash."""

    data: dict[str, Any]
    path: Path
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"document": self.data, "path": str(self.path), "sha256": self.sha256}


def number(kind: DocumentKind, episode_id: int) -> str:
    """The document's number, derived from its episode."""
    return f"{PREFIX[kind]}-{episode_id:08d}"


def _one(conn: Connection, model: type, key: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    found = entities.fetch_by_keys(conn, table=table(model), key=key, keys=[value])
    return found.get(value)


def _district(conn: Connection, code: str | None) -> dict[str, Any] | None:
    """The region ``code`` lies in at district level or above (the region itself if it is
    one; the nearest known region when the chain stops short)."""
    best: dict[str, Any] | None = None
    for _ in range(8):  # province > city > district > town > community > building
        region = _one(conn, Region, "code", code)
        if region is None:
            return best
        best = best or region
        if str(region["level"]) in DISTRICT_OR_ABOVE:
            return region
        code = region["parent_code"]
    return best


def _check_state(row: dict[str, Any], kind: DocumentKind) -> None:
    episode, status = row["measure_id"], ControlStatus(row["status"])
    if ControlKind(row["kind"]) not in DOCUMENTED:
        raise Conflict(
            f"episode {episode} is {ControlKind(row['kind']).en.lower()}: only quarantine and "
            "isolation episodes have a quarantine order or a release certificate"
        )
    if status == ControlStatus.CANCELLED:
        raise InvalidTransition(f"episode {episode} was cancelled (opened in error): no document")
    if kind == DocumentKind.RELEASE and status != ControlStatus.RELEASED:
        raise InvalidTransition(
            f"episode {episode} is {status.value}, not released: a release certificate is "
            "issued once the episode is released"
        )


def _released_on(
    ctx: ServiceContext, row: dict[str, Any], protocol: Protocol
) -> list[dict[str, Any]]:
    """The samples a released episode was released on, as far as the event store knows."""
    tz = ctx.settings.timezone
    end: dt.datetime = row["end_time"]
    # a make-up sample may come after a quarantine's end, up to when its release was written
    # (read at most MAKE_UP after the end)
    known = min(max(end, row["updated_at"]), end + MAKE_UP)
    person = int(row["person_id"])
    found = pcr_samples(ctx, [person], local_date(row["start_time"], tz), local_date(known, tz))
    mine = found.get(person, [])
    used: list[str] = []
    if row["kind"] == ControlKind.ISOLATION:
        rules = protocol.release.model_copy(
            update={"min_days_after_onset": 0, "symptom_free_days": 0}
        )
        verdict = isolation_verdict(
            rules,
            min_days=0,
            start=row["start_time"],
            onset=None,
            last_symptom=None,
            samples=[s for _, s in mine],
            cutoff=end,
        )
        used = list(verdict.samples)
    else:
        negative = [(d, s) for d, s in mine if s.result == "negative"]
        for stage in row["stages"] or []:
            begins = dt.datetime.fromisoformat(stage["start"])
            verdict = stage_verdict(
                test_days=[dt.date.fromisoformat(d) for d in stage["test_days"]],
                end=dt.datetime.fromisoformat(stage["planned_end"]),
                samples=[(d, s) for d, s in negative if s.sample_time >= begins],
                cutoff=known,
                release_day=local_date(known, tz),
            )
            used += [s for s in verdict.samples if s not in used]
    local = zone(tz)
    by_id: dict[str, Sample] = {s.sample_id: s for _, s in mine}
    return [
        {
            "sample_id": s.sample_id,
            "sample_time": s.sample_time.astimezone(local).isoformat(),
            "result_time": s.result_time.astimezone(local).isoformat(),
            "result": s.result,
            "ct_n": s.ct_n,
            "ct_orf1ab": s.ct_orf1ab,
        }
        for s in (by_id[i] for i in used if i in by_id)
    ]


def _follow_up(conn: Connection, row: dict[str, Any], tz: str) -> dict[str, Any] | None:
    """The post-release monitoring a released isolation opened (it starts at the release)."""
    if row["kind"] != ControlKind.ISOLATION:
        return None
    for other in repo.listing(
        conn,
        within=EVERYWHERE,
        kind=ControlKind.POST_RELEASE_MONITORING.value,
        person_id=int(row["person_id"]),
    ):
        if other["case_id"] == row["case_id"] and other["start_time"] == row["end_time"]:
            shown = as_json(other, tz)
            return {
                "episode_id": shown["episode_id"],
                "kind": shown["kind"],
                "start": shown["start"],
                "planned_end": shown["planned_end"],
                "test_days": [d for s in shown["stages"] for d in s["test_days"]],
            }
    return None


def _data(
    ctx: ServiceContext,
    row: dict[str, Any],
    kind: DocumentKind,
    lang: str,
    issued: dt.date,
    purpose: str | None,
) -> dict[str, Any]:
    """What the document shows (JSON-ready; local times with their offset)."""
    tz = ctx.settings.timezone
    protocol = ctx.protocol(str(row["protocol"]))[0]
    document = number(kind, int(row["measure_id"]))
    person = get_person(
        ctx,
        int(row["person_id"]),
        reveal=purpose is not None,
        purpose=purpose or f"{kind.en} {document}",
    )
    with ctx.connect() as conn:
        contact = _one(conn, Contact, "contact_id", row["contact_id"])
        case = (
            cases_repo.get(conn, case_id=int(row["case_id"]), within=EVERYWHERE)
            if row["case_id"]
            else None
        )
        arrival = _one(conn, Arrival, "arrival_id", row.get("arrival_id"))
        place = _one(conn, Place, "place_id", row.get("site_id"))
        responsible = ("resp_region", "resp_department", "resp_unit", "resp_person")
        if any(row.get(c) for c in responsible):
            region = _district(conn, row["resp_region"])
        else:
            region = _district(conn, person.home_region_code)
        follow = _follow_up(conn, row, tz) if kind == DocumentKind.RELEASE else None
    episode = as_json(row, tz)
    stages = episode["stages"] or [
        {
            "kind": episode["kind"],
            "start": episode["start"],
            "planned_end": episode["planned_end"],
            "test_days": [],
        }
    ]
    isolation = row["kind"] == ControlKind.ISOLATION
    checks = protocol.health_checks
    data: dict[str, Any] = {
        "kind": kind.value,
        "title": text.labels(kind),
        "number": document,
        "episode_id": episode["episode_id"],
        "issued": issued.isoformat(),
        "lang": lang,
        "person": {
            "person_id": person.person_id,
            "name": person.name,
            "id_type": person.id_type,
            "id_number": person.id_number,
            "masked": person.masked,
        },
        "reason": text.reason(row, contact, case, arrival, lambda t: _local_text(t, tz)),
        "measures": [
            {"kind": k, **text.labels(ControlKind(k))}
            for k in dict.fromkeys(s["kind"] for s in stages)
        ],
        "site": text.site(row, place),
        "status": episode["status"],
        "start": episode["start"],
        "planned_end": episode["planned_end"],
        "previous_planned_end": episode["previous_planned_end"],
        "end": episode["end"],
        "stages": stages,
        "health_checks_per_day": checks.reports_per_day if checks and not isolation else None,
        "release_rule": text.release_rule(protocol, isolation),
        "protocol": {
            "name": protocol.name,
            "title_zh": protocol.title_zh,
            "title_en": protocol.title_en,
            "effective_date": protocol.effective_date.isoformat(),
        },
        "issuer": text.issuer(row, region),
    }
    if kind == DocumentKind.RELEASE:
        data["samples"] = _released_on(ctx, row, protocol)
        data["follow_up"] = follow
    return data


def _local_text(value: dt.datetime, tz: str) -> str:
    return value.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M")


def issue_document(
    ctx: ServiceContext,
    episode_id: int,
    *,
    kind: DocumentKind,
    lang: str = "both",
    out: Path | None = None,
    purpose: str | None = None,
    issued: dt.date | None = None,
) -> Issued:
    """Issue one episode's document to ``out`` (default ``NUMBER.pdf`` here); see the
    module for what it shows and what is refused."""
    if lang not in LANGS:
        raise BadRequest(f"{{lang}} must be zh, en or both, not {lang!r}")
    if purpose is not None:
        check_purpose(ctx, purpose)
    tz = ctx.settings.timezone
    day = issued or local_date(utcnow(), tz)
    with ctx.connect() as conn:
        row = _one(conn, ControlMeasure, "measure_id", episode_id)
    if row is None:
        raise NotFound(f"no episode {episode_id}")
    _check_state(row, kind)
    data = _data(ctx, row, kind, lang, day, purpose)
    pdf = render_pdf(
        text.sections(data, LANGS[lang]),
        metadata=text.metadata(data),
        issued=dt.datetime.combine(day, dt.time(), zone(tz)),
    )
    path = out or Path(f"{data['number']}.pdf")
    digest = hashlib.sha256(pdf).hexdigest()
    with writing(ctx, detail=f"{kind.en} {data['number']} issued") as unit:
        unit.read("control_measures", [episode_id], pii=False, purpose=f"{kind.en} issued")
        unit.event(
            AuditAction.CREATE,
            "documents",
            data["number"],
            after={
                "document": kind.value,
                "episode_id": episode_id,
                "person_id": data["person"]["person_id"],
                "lang": lang,
                "issued": data["issued"],
                "revealed": not data["person"]["masked"],
                "path": str(path),
                "sha256": digest,
            },
            detail=f"{kind.en} {data['number']} issued" + (f": {purpose}" if purpose else ""),
        )
        write_pdf(path, pdf)  # a file that cannot be written leaves no audit of it
    return Issued(data, path, digest)


def issue_released(
    ctx: ServiceContext,
    *,
    date: dt.date,
    out_dir: Path,
    lang: str = "both",
    purpose: str | None = None,
    issued: dt.date | None = None,
) -> list[Issued]:
    """A release certificate for every quarantine or isolation episode released on the
    local day ``date``, each written to ``out_dir/NUMBER.pdf``."""
    tz = ctx.settings.timezone
    midnight = dt.datetime.combine(date, dt.time(), zone(tz)).astimezone(dt.UTC)
    with ctx.connect() as conn:
        released = repo.ended_between(
            conn,
            kinds=[k.value for k in DOCUMENTED],
            status=ControlStatus.RELEASED.value,
            start=midnight,
            end=end_of_day(date, tz),
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileUnusable.of(exc) from exc
    kind = DocumentKind.RELEASE
    return [
        issue_document(
            ctx,
            int(row["measure_id"]),
            kind=kind,
            lang=lang,
            out=out_dir / f"{number(kind, int(row['measure_id']))}.pdf",
            purpose=purpose,
            issued=issued,
        )
        for row in released
    ]


def issue(
    ctx: ServiceContext,
    *,
    episode_id: int | None,
    kind: DocumentKind | None,
    all_released: bool = False,
    date: dt.date | None = None,
    out: Path | None = None,
    out_dir: Path | None = None,
    lang: str = "both",
    purpose: str | None = None,
    issued: dt.date | None = None,
) -> list[Issued]:
    """``control document``: one episode's document, or with ``all_released`` the release
    certificates of a day; options that do not go together are a BadRequest."""
    if lang not in LANGS:
        raise BadRequest(f"{{lang}} must be zh, en or both, not {lang!r}")
    if all_released:
        if episode_id is not None:
            raise BadRequest("give an episode id or {all_released}, not both")
        if kind not in (None, DocumentKind.RELEASE):
            raise BadRequest("{all_released} issues release certificates: {kind} must be release")
        if date is None or out_dir is None:
            raise BadRequest("{all_released} needs the {date} released and an {out_dir}")
        if out is not None:
            raise BadRequest("{all_released} writes one file per episode into {out_dir}, not {out}")
        return issue_released(
            ctx, date=date, out_dir=out_dir, lang=lang, purpose=purpose, issued=issued
        )
    if episode_id is None:
        raise BadRequest("give an episode id (or {all_released} with a {date})")
    if kind is None:
        raise BadRequest("say which document: {kind} order or release")
    if date is not None or out_dir is not None:
        raise BadRequest("{date} and {out_dir} go with {all_released}")
    return [
        issue_document(
            ctx, episode_id, kind=kind, lang=lang, out=out, purpose=purpose, issued=issued
        )
    ]


__all__ = ["DOCUMENTED", "Issued", "issue", "issue_document", "issue_released", "number"]
