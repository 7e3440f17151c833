"""The space-time permutation scan over cases by date and region: ``scan_tables`` over tables
in memory (Arrow or an input table), ``scan_file`` reads the files and calls it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from shoutu.analytics.scan import haversine_km, scan
from shoutu.domain.timeutil import parse_date
from shoutu.errors import InputError, ValidationReport, options_checked
from shoutu.io.provenance import build_provenance
from shoutu.io.tables import InputTable, read_table

COLUMNS = (
    "cluster_id",
    "center_region",
    "radius_km",
    "regions",
    "start_date",
    "end_date",
    "observed",
    "expected",
    "llr",
    "p_value",
    "recurrence_days",
)


def _hash(table: InputTable) -> str:
    """The file's content hash, or for a table in memory a hash of its rows."""
    if table.content_hash:
        return table.content_hash
    import hashlib

    digest = hashlib.sha256()
    for chunk in table.chunks(None, ValidationReport()):
        for _, _, raw in chunk:
            digest.update(repr(sorted(raw.items())).encode())
    return digest.hexdigest()


@dataclass
class ScanResult:
    columns: dict[str, list[Any]]
    provenance: dict[str, Any] = field(default_factory=dict)


def _input(table: InputTable | Any, name: str) -> InputTable:
    return table if isinstance(table, InputTable) else InputTable.from_arrow(name, table)


def _counts(table: InputTable, date_format: str | None) -> dict[tuple[str, dt.date], int]:
    report = ValidationReport()
    for column in ("date", "region"):
        if column not in table.columns:
            report.add(table.name, None, column, "required column is missing")
    if not report.ok:
        raise InputError(report)
    per_case = "count" not in table.columns
    counts: dict[tuple[str, dt.date], int] = {}
    for chunk in table.chunks(None, report):
        for number, line, raw in chunk:
            try:
                day = parse_date(raw.get("date"), date_format)
            except ValueError as exc:
                report.add(table.name, number, "date", str(exc), line)
                continue
            region = raw.get("region")
            if region is None or str(region).strip() == "":
                report.add(table.name, number, "region", "is required", line)
                continue
            count = 1
            if not per_case:
                value = raw.get("count")
                text = "0" if value is None else str(value).strip()
                if not text.isdigit():
                    report.add(
                        table.name, number, "count", f"{value!r} is not a whole count >= 0", line
                    )
                    continue
                count = int(text)
            key = (str(region).strip(), day)
            counts[key] = counts.get(key, 0) + count
    if not report.ok:
        raise InputError(report)
    if not counts:
        report.add(table.name, None, None, "no data rows")
        raise InputError(report)
    return counts


def _centroids(table: InputTable) -> tuple[dict[str, tuple[float, float]], bool]:
    """{region: (a, b)} and whether (a, b) are (lat, lon) rather than (x, y) in km."""
    report = ValidationReport()
    geographic = {"lat", "lon"} <= set(table.columns)
    needed = ("region", "lat", "lon") if geographic else ("region", "x", "y")
    for column in needed:
        if column not in table.columns:
            report.add(
                table.name,
                None,
                column,
                "required column is missing (region,lat,lon or region,x,y)",
            )
    if not report.ok:
        raise InputError(report)
    found: dict[str, tuple[float, float]] = {}
    for chunk in table.chunks(None, report):
        for number, line, raw in chunk:
            values = []
            for column in needed[1:]:
                try:
                    values.append(float(str(raw.get(column))))
                except ValueError:
                    report.add(
                        table.name, number, column, f"{raw.get(column)!r} is not a number", line
                    )
            region = str(raw.get("region") or "").strip()
            if region in found:
                report.add(table.name, number, "region", f"{region!r} appears twice", line)
            if len(values) == 2 and region:
                found[region] = (values[0], values[1])
    if not report.ok:
        raise InputError(report)
    return found, geographic


def scan_file(
    path: Path,
    centroids: Path,
    *,
    max_share: float = 0.5,
    max_days: int = 7,
    replications: int = 999,
    seed: int = 0,
    date_format: str | None = None,
) -> ScanResult:
    """The scan over a cases file and a centroids file."""
    return scan_tables(
        read_table(path),
        read_table(centroids),
        max_share=max_share,
        max_days=max_days,
        replications=replications,
        seed=seed,
        date_format=date_format,
    )


def scan_tables(
    cases: InputTable | Any,
    centroids: InputTable | Any,
    *,
    max_share: float = 0.5,
    max_days: int = 7,
    replications: int = 999,
    seed: int = 0,
    date_format: str | None = None,
) -> ScanResult:
    """Clusters ending on the last day, most likely first. ``cases``: date, region[, count]
    (one row per case without count); ``centroids``: region, lat, lon or region, x, y (km);
    either an Arrow table or an input table (as read from a file)."""
    cases, centroids = _input(cases, "cases"), _input(centroids, "centroids")
    counts = _counts(cases, date_format)
    where, geographic = _centroids(centroids)
    missing = sorted({region for region, _ in counts} - set(where))
    if missing:
        report = ValidationReport()
        for region in missing[:50]:
            report.add(
                centroids.name,
                None,
                "region",
                f"no centroid for region {region!r} (it has cases in {cases.name})",
            )
        raise InputError(report)
    regions = sorted(where)
    index = {r: i for i, r in enumerate(regions)}
    first = min(d for _, d in counts)
    last = max(d for _, d in counts)
    n_days = (last - first).days + 1
    matrix = np.zeros((len(regions), n_days))
    for (region, day), count in counts.items():
        matrix[index[region], (day - first).days] = count
    a = np.asarray([where[r][0] for r in regions])
    b = np.asarray([where[r][1] for r in regions])
    distances = (
        haversine_km(a, b)
        if geographic
        else np.hypot(a[:, None] - a[None, :], b[:, None] - b[None, :])
    )
    with options_checked():
        clusters = scan(
            matrix,
            distances,
            max_share=max_share,
            max_days=max_days,
            replications=replications,
            seed=seed,
        )
    columns: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for number, cluster in enumerate(clusters, start=1):
        columns["cluster_id"].append(number)
        columns["center_region"].append(regions[cluster.center])
        columns["radius_km"].append(round(cluster.radius, 3))
        columns["regions"].append(";".join(regions[z] for z in cluster.zones))
        columns["start_date"].append((last - dt.timedelta(days=cluster.days - 1)).isoformat())
        columns["end_date"].append(last.isoformat())
        columns["observed"].append(int(cluster.observed))
        columns["expected"].append(round(cluster.expected, 6))
        columns["llr"].append(round(cluster.llr, 6))
        columns["p_value"].append(round(cluster.p_value, 6))
        columns["recurrence_days"].append(round(cluster.recurrence_days(), 3))
    provenance = build_provenance(
        command="scan",
        parameters={
            "max_share": max_share,
            "max_days": max_days,
            "replications": replications,
            "seed": seed,
        },
        input_hashes=[_hash(cases), _hash(centroids)],
    )
    return ScanResult(columns, provenance)
