"""Reading people from the registry: masked by default, every read audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.identifiers import mask_birth_date, mask_id_number, mask_name, mask_phone
from shoutu.domain.vocabulary import AuditAction, IdType, Right
from shoutu.errors import BadRequest, NotFound
from shoutu.services.audit import reading
from shoutu.services.context import ServiceContext
from shoutu.services.guard import refusals, require
from shoutu.services.registry.pii import ID_FIELD, PHONE_FIELD, id_hash
from shoutu.store.repositories import entities
from shoutu.store.repositories import people as people_repo
from shoutu.store.tables import Person, table

__all__ = ["PersonView", "find_by_id_number", "get_person", "masked_contacts", "masked_view"]


@dataclass(frozen=True)
class PersonView:
    person_id: int
    name: str | None
    id_type: str | None
    id_number: str | None
    phone: str | None
    sex: str
    birth_date: str | None  # ISO when revealed, else the year only (1980-**-**)
    home_region_code: str | None
    workplace_id: int | None
    school_id: int | None
    key_population: str | None
    vaccination_doses: int
    synthetic: bool
    masked: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _view(ctx: ServiceContext, row: dict[str, Any], reveal: bool) -> PersonView:
    keyring = ctx.keyring
    id_number = keyring.decrypt(ID_FIELD, row["id_number_enc"]) if row["id_number_enc"] else None
    phone = keyring.decrypt(PHONE_FIELD, row["phone_enc"]) if row["phone_enc"] else None
    name = row["name"]
    born: dt.date | None = row["birth_date"]
    birth_date = born.isoformat() if born else None
    if not reveal:
        id_number = mask_id_number(id_number) if id_number else None
        phone = mask_phone(phone) if phone else None
        name = mask_name(name) if name else None
        birth_date = mask_birth_date(born) if born else None
    return PersonView(
        person_id=row["person_id"],
        name=name,
        id_type=row["id_type"],
        id_number=id_number,
        phone=phone,
        sex=row["sex"],
        birth_date=birth_date,
        home_region_code=row["home_region_code"],
        workplace_id=row["workplace_id"],
        school_id=row["school_id"],
        key_population=row["key_population"],
        vaccination_doses=row["vaccination_doses"],
        synthetic=row["synthetic"],
        masked=not reveal,
    )


def check_purpose(ctx: ServiceContext, purpose: str | None) -> None:
    """A purpose that reveals personal data is a sentence: at least the configured length
    (a Chinese character counts two)."""
    text = (purpose or "").strip()
    if not text:
        raise BadRequest("revealing personal data needs a stated {purpose}")
    length = sum(2 if "\u4e00" <= ch <= "\u9fff" else 1 for ch in text)
    least = ctx.settings.purpose_min_length
    if length < least:
        raise BadRequest(
            f"the {{purpose}} {text!r} is too short to say why (at least {least} characters; "
            "say what for, e.g. 'contact tracing of case 12')"
        )


def get_person(
    ctx: ServiceContext, person_id: int, *, reveal: bool = False, purpose: str | None = None
) -> PersonView:
    """One person, masked unless ``reveal`` (which needs a purpose). Audited either way."""
    with refusals(ctx, "people", person_id, also=(BadRequest,)):  # a reveal without purpose
        require(ctx, Right.VIEW_CASES)
        if reveal:
            require(ctx, Right.REVEAL_PERSONAL_DATA)
            check_purpose(ctx, purpose)
        with ctx.connect() as conn:
            found = people_repo.get(conn, person_id=person_id, within=ctx.principal.view)
        if found is None:
            raise NotFound(f"no person {person_id}")
    view = _view(ctx, found, reveal)
    with reading(ctx) as unit:
        unit.read("people", [person_id], pii=reveal, purpose=purpose)
    return view


def masked_view(ctx: ServiceContext, person_id: int, *, purpose: str) -> PersonView | None:
    """A person seen through a record the caller may read (a case of theirs): masked, audited,
    wherever the person lives (None if unknown)."""
    with ctx.connect() as conn:
        found = people_repo.get(conn, person_id=person_id, within=EVERYWHERE)
    if found is None:
        return None
    with reading(ctx) as unit:
        unit.read("people", [person_id], pii=False, purpose=purpose)
    return _view(ctx, found, reveal=False)


def find_by_id_number(
    ctx: ServiceContext,
    id_number: str,
    *,
    id_type: IdType = IdType.RESIDENT_ID,
    reveal: bool = False,
    purpose: str | None = None,
) -> PersonView:
    """Exact lookup by identifier through its keyed hash (no decryption of other rows)."""
    if reveal:
        check_purpose(ctx, purpose)
    number = id_number.strip().upper() if id_type == IdType.RESIDENT_ID else id_number.strip()
    with ctx.connect() as conn:
        row = people_repo.by_id_hash(
            conn, id_type=id_type.value, id_hash=id_hash(ctx.keyring, id_type, number)
        )
    if row is None:  # a probe for who is registered is audited too
        with reading(ctx) as unit:
            unit.event(
                AuditAction.READ_PII if reveal else AuditAction.READ,
                "people",
                "",
                detail=f"no person with that identifier; {purpose or 'lookup'}",
            )
        raise NotFound("no person with that identifier")
    return get_person(ctx, row["person_id"], reveal=reveal, purpose=purpose)


def masked_contacts(
    ctx: ServiceContext, person_ids: list[int], purpose: str
) -> dict[int, dict[str, str | None]]:
    """What a community worker needs to reach the people of a list (e.g. not yet tested):
    masked name and phone, and the building (home region) — each read audited."""
    with ctx.connect() as conn:
        found = entities.fetch_by_keys(conn, table=table(Person), key="person_id", keys=person_ids)
    keyring = ctx.keyring if any(r["phone_enc"] for r in found.values()) else None
    contacts: dict[int, dict[str, str | None]] = {}
    for p, r in found.items():
        phone = keyring.decrypt(PHONE_FIELD, r["phone_enc"]) if keyring and r["phone_enc"] else None
        contacts[p] = {
            "name": mask_name(r["name"]) if r["name"] else None,
            "phone": mask_phone(phone) if phone else None,
            "building": r["home_region_code"],
        }
    with reading(ctx) as unit:
        unit.read("people", list(contacts), pii=False, purpose=purpose)
    return contacts
