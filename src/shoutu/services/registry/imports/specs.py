"""The registry files that ``shoutu import`` accepts, by name."""

from __future__ import annotations

from pathlib import Path

from shoutu.errors import BadRequest
from shoutu.io.provenance import build_provenance
from shoutu.io.tables import read_table
from shoutu.progress import Progress
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports import cases, control_measures, people, places, regions
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
) -> ImportResult:
    """Import one registry file (CSV or Parquet) of ``kind`` (regions, places or people)."""
    if kind not in SPECS:
        raise BadRequest(f"unknown import kind {kind!r}; expected one of {sorted(SPECS)}")
    table = read_table(path, encoding)
    result = import_table(
        ctx,
        SPECS[kind],
        table,
        date_format=date_format,
        progress=progress,
        allow_clear=allow_clear,
        allow_dates=allow_dates,
    )
    result.provenance = build_provenance(
        command=f"import {kind}",
        parameters={"date_format": date_format},
        input_hashes=[table.content_hash or ""],
    )
    return result
