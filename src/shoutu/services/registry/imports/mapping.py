"""Import mappings: how another system's file becomes a shoutu registry file (data, not code).

A mapping is a TOML file (as WHO Go.Data's import mapping and SORMAS's case import map a
file's columns and option values onto theirs)::

    source = "where the file comes from"
    kind = "cases"                  # the import it is for (optional)
    date_format = "%d/%m/%Y"        # strptime format of its dates and times (optional)
    timezone = "Asia/Hong_Kong"     # where its naive times are local (optional)

    [columns]                       # shoutu field = the file's column
    case_id = "Case no."
    person.sex = "Gender"           # a line list's person (cases without person_id)

    [values.classification]         # the file's value = shoutu's code ("" = no value)
    "Confirmed" = "confirmed"

    [defaults]                      # fields the file lacks: one value for every row
    channel = "other"

A ``[values.F]`` table is the whole list of the values F may take when F is a vocabulary or a
yes/no field (a value it lacks is a problem, by row and field); for a date, time, number or
text it lists only the values to replace (e.g. "Asymptomatic" = "" in an onset column), and
other values are read as they are. Built-in mappings live in ``mappings/`` and are named
without ``.toml``.
"""

from __future__ import annotations

import hashlib
import tomllib
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from shoutu.errors import BadRequest, FileUnusable, InputError, ValidationReport
from shoutu.io.tables import InputTable, Row, missing_column
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import EntitySpec

BUILTIN_DIR = Path(__file__).with_name("mappings")

KEYS = frozenset({"source", "kind", "date_format", "timezone", "columns", "values", "defaults"})


@dataclass(frozen=True)
class Mapping:
    name: str  # how problems name the mapping file
    source: str
    kind: str | None
    date_format: str | None
    timezone: str | None
    columns: dict[str, str]  # field -> the file's column
    values: dict[str, dict[str, str]]  # field -> {the file's value: shoutu's ("" = none)}
    defaults: dict[str, Any]
    content_hash: str
    closed: frozenset[str]  # fields whose values table is their whole list

    def label(self, field_name: str) -> str:
        """How a problem names a mapped field: the file's column, then shoutu's field."""
        column = self.columns.get(field_name)
        return f"{column} ({field_name})" if column is not None else field_name


def builtin_mappings() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.toml"))


def resolve(name: str) -> Path:
    """A mapping file by path, or a built-in one by name."""
    path = Path(name)
    if path.is_file():
        return path
    builtin = BUILTIN_DIR / f"{name}.toml"
    if "/" not in name and builtin.is_file():
        return builtin
    raise BadRequest(
        f"{{mapping}} {name!r} is neither a file nor a built-in mapping "
        f"({', '.join(builtin_mappings())})"
    )


def _flat(table: dict[str, Any]) -> dict[str, Any]:
    """``person.sex`` written as a dotted TOML key is a table {person: {sex: …}}: flatten it."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key == "person" and isinstance(value, dict):
            out.update({f"person.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def load(name: str, spec: EntitySpec, kind: str, source: InputTable) -> Mapping:
    """Read and check a mapping for ``spec`` and the ``source`` file's columns; every problem
    at once (InputError naming the mapping file and key)."""
    path = resolve(name)
    label = name if path.parent == BUILTIN_DIR else str(path)  # as the user named it
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileUnusable.of(exc) from None
    report = ValidationReport()

    def problem(key: str | None, reason: str) -> None:
        report.add(label, None, key, reason)

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problem(None, f"is not a TOML file: {exc}")
        raise InputError(report) from None
    fields = {spec_field.name: spec_field for spec_field in spec.fields}
    for key in sorted(set(data) - KEYS):
        problem(key, f"unknown key; expected {', '.join(sorted(KEYS))}")
    for key in ("source", "kind", "date_format", "timezone"):
        if key in data and not isinstance(data[key], str):
            problem(key, "must be a string")
    if not isinstance(data.get("source"), str) or not data.get("source", "").strip():
        problem("source", "is required: where the file this mapping reads comes from")
    if isinstance(data.get("timezone"), str):
        try:
            zoneinfo.ZoneInfo(data["timezone"])
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            problem("timezone", f"{data['timezone']!r} is not an IANA time zone")
    if isinstance(data.get("kind"), str) and data["kind"] != kind:
        problem("kind", f"this mapping is for {data['kind']}, not {kind}")
    tables: dict[str, dict[str, Any]] = {}
    for key in ("columns", "values", "defaults"):
        value = data.get(key, {})
        if not isinstance(value, dict):
            problem(key, "must be a table")
            value = {}
        tables[key] = _flat(value)
    columns: dict[str, str] = {}
    for field_name, column in tables["columns"].items():
        if field_name not in fields:
            problem(
                f"columns.{field_name}",
                f"unknown {kind} field; expected one of {', '.join(fields)}",
            )
        elif not isinstance(column, str) or not column:
            problem(f"columns.{field_name}", "must name a column of the file")
        else:
            columns[field_name] = column
            if column not in source.columns:
                hint = missing_column(column, source.columns)
                hint = hint.removeprefix("required column is missing")
                problem(f"columns.{field_name}", f"{source.name} has no column {column!r}{hint}")
    options = f.ParseOptions(date_format=data.get("date_format"), timezone="UTC")
    values: dict[str, dict[str, str]] = {}
    for field_name, table in tables["values"].items():
        key = f"values.{field_name}"
        if field_name not in fields:
            problem(key, f"unknown {kind} field")
            continue
        if field_name not in columns:
            problem(key, "is for a field [columns] does not map")
        if not isinstance(table, dict):
            problem(key, "must be a table of the file's values and shoutu's")
            continue
        values[field_name] = {}
        for given, code in table.items():
            if not isinstance(code, str):
                problem(f'{key}."{given}"', 'must be a string ("" for no value)')
                continue
            if code.strip():
                try:
                    fields[field_name].parser(code, options)
                except ValueError as exc:
                    problem(f'{key}."{given}"', str(exc))
            values[field_name][given.strip()] = code
    defaults: dict[str, Any] = {}
    for field_name, value in tables["defaults"].items():
        key = f"defaults.{field_name}"
        if field_name not in fields:
            problem(key, f"unknown {kind} field")
            continue
        if field_name in columns:
            problem(key, "is also mapped to a column in [columns]; give one or the other")
        try:
            fields[field_name].parser(value, options)
        except ValueError as exc:
            problem(key, str(exc))
        defaults[field_name] = value
    for field_name in spec.required:
        if field_name not in columns and field_name not in defaults:
            problem("columns", f"{field_name} is required: map a column to it or give a default")
    if not report.ok:
        raise InputError(report)
    return Mapping(
        name=label,
        source=str(data["source"]),
        kind=data.get("kind"),
        date_format=data.get("date_format"),
        timezone=data.get("timezone"),
        columns=columns,
        values=values,
        defaults=defaults,
        content_hash=hashlib.sha256(raw).hexdigest(),
        closed=frozenset(n for n in values if f.closed(fields[n].parser)),
    )


class MappedTable(InputTable):
    """A file read through a mapping: shoutu's fields, its values translated; a value a
    closed values table lacks is a problem by row and field."""

    def __init__(self, mapping: Mapping, source: InputTable) -> None:
        super().__init__(
            name=source.name,
            columns=[*mapping.columns, *mapping.defaults],
            content_hash=source.content_hash,
        )
        self.mapping = mapping
        self.source = source

    def chunks(self, size: int | None, report: ValidationReport) -> Iterator[list[Row]]:
        mapping = self.mapping
        for chunk in self.source.chunks(size, report):
            mapped: list[Row] = []
            for number, line, raw in chunk:
                record: dict[str, Any] = dict(mapping.defaults)
                for field_name, column in mapping.columns.items():
                    value = raw.get(column)
                    table = mapping.values.get(field_name)
                    if table is not None:
                        given = "" if value is None else str(value).strip()
                        if given in table:
                            value = table[given] or None
                        elif field_name in mapping.closed and not f.is_blank(value):
                            report.add(
                                self.name,
                                number,
                                mapping.label(field_name),
                                f"{given!r} has no mapping in [values.{field_name}] of "
                                f"{mapping.name}",
                                line,
                            )
                            value = None
                    record[field_name] = value
                mapped.append((number, line, record))
            yield mapped


def relabel(error: InputError, mapping: Mapping) -> InputError:
    """The error with the data file's fields named by their columns, as the user knows them."""
    report = error.report
    report.problems = [
        replace(p, field=mapping.label(p.field))
        if p.field in mapping.columns and p.file != mapping.name
        else p
        for p in report.problems
    ]
    return error
