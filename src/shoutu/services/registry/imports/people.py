"""People file. National ID numbers and phones are encrypted, with keyed hashes for lookup."""

from __future__ import annotations

from typing import Any

from shoutu.domain.identifiers import (
    IdentifierError,
    mask_birth_date,
    mask_name,
    resident_id_birth_date,
    validate_phone,
    validate_resident_id,
)
from shoutu.domain.vocabulary import IdType, KeyPopulation, Sex
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec, ParsedRow
from shoutu.services.registry.pii import ID_FIELD, PHONE_FIELD, id_hash, phone_hash
from shoutu.store.repositories import entities
from shoutu.store.tables import Person, Place, Region, table

TABLE = table(Person)

FIELDS = (
    f.FieldSpec("person_id", f.integer(), required=True),
    f.FieldSpec("name", f.text(128)),
    f.FieldSpec("id_type", f.vocab(IdType)),
    f.FieldSpec("id_number", f.text(64)),
    f.FieldSpec("phone", f.text(32)),
    f.FieldSpec("sex", f.vocab(Sex), default=Sex.UNKNOWN),
    f.FieldSpec("birth_date", f.birth_date),
    f.FieldSpec("home_region_code", f.region_code),
    f.FieldSpec("workplace_id", f.integer()),
    f.FieldSpec("school_id", f.integer()),
    f.FieldSpec("key_population", f.vocab(KeyPopulation)),
    f.FieldSpec("vaccination_doses", f.integer(0, 10), default=0),
    f.FieldSpec("last_vaccination_date", f.date),
    f.FieldSpec("synthetic", f.boolean, default=False),
)


def _identity(batch: Batch, parsed: ParsedRow) -> tuple[IdType | None, str | None]:
    values = parsed.values
    number, id_type = values["id_number"], values["id_type"]
    if number is None:
        if id_type is not None:
            batch.problem(parsed, "id_number", f"is required when id_type is {id_type}")
        return None, None
    id_type = id_type or IdType.RESIDENT_ID
    if id_type != IdType.RESIDENT_ID:
        return id_type, number
    try:
        number = validate_resident_id(number)
    except IdentifierError as exc:
        batch.problem(parsed, "id_number", str(exc))
        return id_type, None
    id_sex = Sex.MALE if int(number[16]) % 2 else Sex.FEMALE
    if values["sex"] not in (None, Sex.UNKNOWN, id_sex):
        batch.problem(parsed, "sex", f"differs from the sex digit in id_number ({id_sex})")
    born = resident_id_birth_date(number)
    if batch.options is not None:
        try:
            f.check_birth(born, batch.options)
        except f.BadValue as exc:
            batch.problem(parsed, "id_number", f"its birth date {exc}")
            return id_type, None
    if values["birth_date"] is None:
        values["birth_date"] = born
    elif values["birth_date"] != born:
        batch.problem(parsed, "birth_date", f"differs from the date in id_number ({born})")
    return id_type, number


def prepare(batch: Batch) -> None:
    keyring = batch.ctx.keyring
    region_table, place_table = table(Region), table(Place)
    batch.check_known(
        field_name="home_region_code", table=region_table, key="code", what="region code"
    )
    batch.check_known(field_name="workplace_id", table=place_table, key="place_id", what="place id")
    batch.check_known(field_name="school_id", table=place_table, key="place_id", what="place id")
    rows: list[tuple[ParsedRow, dict[str, Any]]] = []
    hashes: set[str] = set()
    for parsed in batch.rows:
        values = parsed.values
        id_type, number = _identity(batch, parsed)
        phone = values["phone"]
        if phone is not None:
            try:
                phone = validate_phone(phone)
            except IdentifierError as exc:
                batch.problem(parsed, "phone", str(exc))
                phone = None
        hashed = id_hash(keyring, id_type, number) if id_type and number else None
        if hashed is not None:
            first = batch.first_seen("id_number", hashed, parsed)
            if first is not None:
                batch.problem(parsed, "id_number", f"same identifier as row {first}")
            else:
                hashes.add(hashed)  # first in the file: check who holds it in the registry
        row = {
            "person_id": values["person_id"],
            "name": values["name"],
            "id_type": id_type,
            "_id_number": number,
            "id_number_hash": hashed,
            "_phone": phone,
            "phone_hash": phone_hash(keyring, phone) if phone else None,
            "sex": values["sex"],
            "birth_date": values["birth_date"],
            "home_region_code": values["home_region_code"],
            "workplace_id": values["workplace_id"],
            "school_id": values["school_id"],
            "key_population": values["key_population"],
            "vaccination_doses": values["vaccination_doses"],
            "last_vaccination_date": values["last_vaccination_date"],
            "synthetic": values["synthetic"],
        }
        rows.append((parsed, row))
    held = entities.owners(
        batch.conn, table=TABLE, column="id_number_hash", key="person_id", values=sorted(hashes)
    )
    for parsed, row in rows:
        owner = held.get(row["id_number_hash"]) if row["id_number_hash"] in hashes else None
        if owner is not None and owner != row["person_id"]:
            batch.problem(parsed, "id_number", f"already registered to person {owner}")
    batch.db_rows = [row for _, row in rows]


def encrypt(ctx: ServiceContext, row: dict[str, Any]) -> dict[str, Any]:
    """The stored row: plaintext identifiers replaced by their ciphertexts."""
    stored = {k: v for k, v in row.items() if k[0] != "_"}
    number, phone = row["_id_number"], row["_phone"]
    stored["id_number_enc"] = ctx.keyring.encrypt(ID_FIELD, number) if number else None
    stored["phone_enc"] = ctx.keyring.encrypt(PHONE_FIELD, phone) if phone else None
    return stored


SPEC = EntitySpec(
    entity="people",
    table=TABLE,
    key="person_id",
    fields=FIELDS,
    prepare=prepare,
    compare_exclude=frozenset({"id_number_enc", "phone_enc"}),
    finalize=encrypt,
    generated_ids=True,  # the people of line-list cases get theirs from the database
    sets={
        "id_number": frozenset({"id_type", "id_number_hash", "id_number_enc"}),
        "phone": frozenset({"phone_hash", "phone_enc"}),
    },
    audit_masks={"name": mask_name, "birth_date": mask_birth_date},
)
