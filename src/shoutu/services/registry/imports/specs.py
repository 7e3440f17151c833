"""The registry files that ``shoutu import`` accepts, by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shoutu.errors import BadRequest, InputError
from shoutu.io.provenance import build_provenance
from shoutu.io.tables import read_table
from shoutu.progress import Progress
from shoutu.services.audit import Unit
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports import cases, control_measures, people, places, regions
from shoutu.services.registry.imports import mapping as mappings
from shoutu.services.registry.imports.batch import EntitySpec, ImportResult, import_table

SPECS: dict[str, EntitySpec] = {
    "regions": regions.SPEC,
    "places": places.SPEC,
    "people": people.SPEC,
    "cases": cases.SPEC,
    "control_measures": control_measures.SPEC,
}


def import_file(
    ctx: ServiceContext,
    kind: str,
    path: Path,
    *,
    date_format: str | None = None,
    progress: Progress | None = None,
    allow_clear: bool = False,
    allow_dates: bool = False,
    encoding: str | None = None,
    mapping: str | None = None,
    unit: Unit | None = None,
) -> ImportResult:
    """Import one registry file (CSV, Excel or Parquet) of ``kind``; with ``mapping`` (a
    mapping file or a built-in mapping's name) another system's file, read through it; in
    the caller's ``unit`` when given."""
    if kind not in SPECS:
        raise BadRequest(f"unknown import kind {kind!r}; expected one of {sorted(SPECS)}")
    spec = SPECS[kind]
    if mapping is not None:
        mappings.resolve(mapping)  # a mapping that does not exist, before the file is read
    table = read_table(path, encoding)
    mapped = mappings.load(mapping, spec, kind, table) if mapping is not None else None
    hashes = [table.content_hash or ""]
    parameters: dict[str, Any] = {}
    timezone = None
    if mapped is not None:
        source = table
        table = mappings.MappedTable(mapped, source)
        date_format = date_format or mapped.date_format
        timezone = mapped.timezone
        hashes.append(mapped.content_hash)
        parameters |= {"mapping": mapped.name, "source": mapped.source, "timezone": timezone}
    parameters["date_format"] = date_format
    try:
        result = import_table(
            ctx,
            spec,
            table,
            date_format=date_format,
            progress=progress,
            allow_clear=allow_clear,
            allow_dates=allow_dates,
            timezone=timezone,
            unit=unit,
        )
    except InputError as exc:
        if mapped is None:
            raise
        raise mappings.relabel(exc, mapped) from None
    if mapped is not None:
        used = set(mapped.columns.values())
        result.ignored_columns = [c for c in source.columns if c not in used]
    result.provenance = build_provenance(
        command=f"import {kind}", parameters=parameters, input_hashes=hashes
    )
    return result
