"""Regions file: the administrative tree, province down to building."""

from __future__ import annotations

import json
from typing import Any

from shoutu.domain.regions import parse_region_code
from shoutu.domain.vocabulary import RegionLevel
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec
from shoutu.store.tables import Region, table

TABLE = table(Region)
LEVELS = list(RegionLevel)

_GEOMETRIES = {"Polygon", "MultiPolygon"}


def geojson(value: Any, _: f.ParseOptions) -> str:
    data = value if isinstance(value, dict) else None
    if data is None:
        try:
            data = json.loads(str(value))
        except json.JSONDecodeError as exc:
            raise f.BadValue(f"not GeoJSON: {exc.msg}") from None
    if not isinstance(data, dict) or data.get("type") not in _GEOMETRIES:
        raise f.BadValue("must be a GeoJSON Polygon or MultiPolygon geometry")
    if not isinstance(data.get("coordinates"), list):
        raise f.BadValue("GeoJSON geometry has no coordinates list")
    polygons = data["coordinates"] if data["type"] == "MultiPolygon" else [data["coordinates"]]
    if not polygons or not all(_polygon(p) for p in polygons):
        raise f.BadValue(
            "each GeoJSON polygon needs rings of at least 4 [lon, lat] positions, the last "
            "equal to the first"
        )
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def _polygon(rings: Any) -> bool:
    """Whether ``rings`` is a GeoJSON polygon: closed linear rings of 4 or more positions."""

    def position(p: Any) -> bool:
        return (
            isinstance(p, list)
            and len(p) >= 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p[:2])
        )

    return (
        isinstance(rings, list)
        and bool(rings)
        and all(
            isinstance(r, list) and len(r) >= 4 and all(position(p) for p in r) and r[0] == r[-1]
            for r in rings
        )
    )


FIELDS = (
    f.FieldSpec("code", f.region_code, required=True),
    f.FieldSpec("name_zh", f.text(128), required=True),
    f.FieldSpec("name_en", f.text(128)),
    f.FieldSpec("level", f.vocab(RegionLevel)),
    f.FieldSpec("parent_code", f.region_code),
    f.FieldSpec("population", f.integer(0, 10**10)),
    f.FieldSpec("lat", f.number(-90, 90)),
    f.FieldSpec("lon", f.number(-180, 180)),
    f.FieldSpec("polygon", geojson),
)


def prepare(batch: Batch) -> None:
    for parsed in batch.rows:
        values = parsed.values
        if values["code"] is None:
            continue
        code = parse_region_code(values["code"])
        if values["level"] is not None and values["level"] != code.level:
            batch.problem(
                parsed,
                "level",
                f"is {values['level']} but code {code.code} is a {code.level.value}",
            )
        if values["parent_code"] is not None and values["parent_code"] != code.parent:
            batch.problem(parsed, "parent_code", f"code {code.code} belongs under {code.parent}")
        values["level"] = code.level
        values["parent_code"] = code.parent
        if (values["lat"] is None) != (values["lon"] is None):
            batch.problem(
                parsed, "lat" if values["lat"] is None else "lon", "lat and lon go together"
            )
    batch.check_known(
        field_name="parent_code",
        table=TABLE,
        key="code",
        also_known={r.values["code"] for r in batch.rows},
        what="parent region code",
    )
    batch.db_rows = [dict(r.values) for r in batch.rows]


SPEC = EntitySpec(
    entity="regions",
    table=TABLE,
    key="code",
    fields=FIELDS,
    prepare=prepare,
    insert_order=lambda row: LEVELS.index(row["level"]),
    sets={"code": frozenset({"level", "parent_code"})},  # both follow from the code
    chunk_rows=None,  # parents may come anywhere in the file
)
