"""Places file: venues and key places."""

from __future__ import annotations

from shoutu.domain.vocabulary import PlaceType
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec
from shoutu.store.repositories import entities
from shoutu.store.tables import Place, Region, table

TABLE = table(Place)

FIELDS = (
    f.FieldSpec("place_id", f.integer(), required=True),
    f.FieldSpec("name", f.text(200), required=True),
    f.FieldSpec("type", f.vocab(PlaceType), required=True),
    f.FieldSpec("region_code", f.region_code, required=True),
    f.FieldSpec("lat", f.number(-90, 90)),
    f.FieldSpec("lon", f.number(-180, 180)),
    f.FieldSpec("venue_code", f.text(64)),
    f.FieldSpec("capacity", f.integer(0, 10**7)),
)


def prepare(batch: Batch) -> None:
    batch.check_known(field_name="region_code", table=table(Region), key="code", what="region code")
    codes: set[str] = set()
    for parsed in batch.rows:
        code = parsed.values["venue_code"]
        if code is None:
            continue
        first = batch.first_seen("venue_code", code, parsed)
        if first is not None:
            batch.problem(parsed, "venue_code", f"duplicates row {first}")
        else:
            codes.add(code)
    held = entities.owners(
        batch.conn, table=TABLE, column="venue_code", key="place_id", values=sorted(codes)
    )
    for parsed in batch.rows:
        code = parsed.values["venue_code"]
        owner = held.get(code) if code in codes else None
        if owner is not None and owner != parsed.values["place_id"]:
            batch.problem(parsed, "venue_code", f"already belongs to place {owner}")
    batch.db_rows = [dict(r.values) for r in batch.rows]


SPEC = EntitySpec(entity="places", table=TABLE, key="place_id", fields=FIELDS, prepare=prepare)
