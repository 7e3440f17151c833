"""The registry files that ``shoutu import`` accepts, by name."""

from __future__ import annotations

from pathlib import Path

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
) -> ImportResult:
    """Import one registry file (CSV or Parquet) of ``kind`` (regions, places or people)."""
    if kind not in SPECS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {sorted(SPECS)}")
    return import_table(
        ctx, SPECS[kind], read_table(path), date_format=date_format, progress=progress
    )
