"""Daily cases found in control and in the community, per region: the input of community zero
(``shoutu control community-zero --series FILE``).

Columns ``date,region,in_control,community`` and optionally ``population`` (residents of the
region; the same on every row of a region that gives it, empty where unknown), as CSV, Excel
or Parquet. One row per date and region; days a region has no row for count as zero. Every
bad value is named by row and field, and nothing is judged from a file with one.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pyarrow as pa

from shoutu.domain.timeutil import parse_date
from shoutu.errors import InputError, ValidationReport
from shoutu.io.tables import missing_column, read_table

#: the in-memory form: one row per date and region
SCHEMA = pa.schema(
    [
        ("date", pa.date32()),
        ("region", pa.string()),
        ("in_control", pa.int64()),
        ("community", pa.int64()),
        ("population", pa.float64()),
    ]
)
REQUIRED = ("date", "region", "in_control", "community")


def _count(value: Any) -> int:
    """A whole count >= 0 (an empty value is 0); ValueError otherwise."""
    if value is None or value == "":
        return 0
    number = float(str(value))
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise ValueError
    return int(number)


def _population(value: Any) -> float | None:
    """A whole number of residents > 0, or None when empty; ValueError otherwise."""
    if value is None or value == "":
        return None
    number = float(str(value))
    if not math.isfinite(number) or number <= 0 or number != int(number):
        raise ValueError
    return number


def read_community_series(
    path: Path, date_format: str | None = None, *, encoding: str | None = None
) -> tuple[pa.Table, str]:
    """The file as a table of :data:`SCHEMA`, and the file's hash."""
    table = read_table(path, encoding)
    report = ValidationReport()
    for name in REQUIRED:
        if name not in table.columns:
            report.add(table.name, None, name, missing_column(name, table.columns))
    if not report.ok:
        raise InputError(report)
    given_population = "population" in table.columns
    columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    first_row: dict[tuple[str, dt.date], int] = {}
    population_of: dict[str, tuple[float, int]] = {}
    for chunk in table.chunks(None, report):
        for number, line, raw in chunk:
            bad = False
            try:
                day = parse_date(raw.get("date"), date_format) if raw.get("date") else None
                if day is None:
                    report.add(table.name, number, "date", "is empty", line)
                    bad = True
            except ValueError as exc:
                report.add(table.name, number, "date", str(exc), line)
                day, bad = None, True
            region = raw.get("region")
            region = None if region is None else str(region).strip()
            if not region:
                report.add(table.name, number, "region", "is empty", line)
                bad = True
            counts = []
            for name in ("in_control", "community"):
                try:
                    counts.append(_count(raw.get(name)))
                except (TypeError, ValueError):
                    value = raw.get(name)
                    report.add(
                        table.name, number, name, f"{value!r} is not a whole count >= 0", line
                    )
                    bad = True
            people = None
            if given_population:
                value = raw.get("population")
                try:
                    people = _population(value)
                except (TypeError, ValueError):
                    reason = f"{value!r} is not a whole number of residents > 0"
                    report.add(table.name, number, "population", reason, line)
                    bad = True
            if bad or day is None or region is None:
                continue
            key = (region, day)
            if key in first_row:
                report.add(
                    table.name,
                    number,
                    "date",
                    f"{day} appears twice for region {region!r} (first at row {first_row[key]})",
                    line,
                )
                continue
            first_row[key] = number
            if people is not None:
                known = population_of.setdefault(region, (people, number))
                if known[0] != people:
                    report.add(
                        table.name,
                        number,
                        "population",
                        f"{people:,.0f} differs from the {known[0]:,.0f} given for region "
                        f"{region!r} at row {known[1]}",
                        line,
                    )
                    continue
            for name, item in zip(
                SCHEMA.names, (day, region, counts[0], counts[1], people), strict=True
            ):
                columns[name].append(item)
    if not report.ok:
        raise InputError(report)
    if not columns["date"]:
        report.add(table.name, None, None, "no data rows")
        raise InputError(report)
    return pa.table(columns, schema=SCHEMA), table.content_hash or ""


__all__ = ["REQUIRED", "SCHEMA", "read_community_series"]
