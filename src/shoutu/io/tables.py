"""Read input tables (CSV or Parquet, by extension) into rows that remember where they came from.

CSV values stay text (an empty field is None); Parquet values keep their types. Row numbers
count data rows from 1; CSV rows also carry their line number (the header is line 1).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shoutu.io.report import InputError, ValidationReport

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


@dataclass
class InputTable:
    name: str  # how problems name the file
    columns: list[str]
    rows: list[dict[str, Any]]
    lines: list[int] | None = None  # CSV line of each row
    content_hash: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def numbered(self) -> Iterator[tuple[int, int | None, dict[str, Any]]]:
        """(row number, CSV line or None, row) for every row."""
        for index, row in enumerate(self.rows):
            yield index + 1, (self.lines[index] if self.lines else None), row

    @classmethod
    def from_records(cls, name: str, records: Sequence[Mapping[str, Any]]) -> InputTable:
        """A table from in-memory records; columns are the union of their keys, in order."""
        columns = list(dict.fromkeys(key for record in records for key in record))
        return cls(name=name, columns=columns, rows=[dict(r) for r in records])


def _fail(name: str, reason: str) -> InputError:
    report = ValidationReport()
    report.add(name, None, None, reason)
    return InputError(report)


def read_table(path: Path) -> InputTable:
    """Read ``path`` as CSV (comma, or tab for .tsv) or Parquet."""
    from shoutu.io.provenance import file_hash

    name = str(path)
    if not path.exists():
        raise _fail(name, "file not found")
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        table = _read_parquet(path, name)
    elif suffix in CSV_SUFFIXES:
        table = _read_csv(path, name, "\t" if suffix == ".tsv" else ",")
    else:
        raise _fail(name, f"unknown file type {suffix!r}: use .csv, .tsv or .parquet")
    table.content_hash = file_hash(path)
    return table


def _read_csv(path: Path, name: str, delimiter: str) -> InputTable:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(name, f"not UTF-8 text (byte {exc.start})") from None
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise _fail(name, "empty file: no header row") from None
    columns = [c.strip() for c in header]
    seen: set[str] = set()
    for column in columns:
        if not column:
            raise _fail(name, "the header has an empty column name")
        if column in seen:
            raise _fail(name, f"column {column!r} appears twice in the header")
        seen.add(column)
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    report = ValidationReport()
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue  # blank line
            row_number = len(rows) + 1
            if len(record) != len(columns):
                report.add(
                    name,
                    row_number,
                    None,
                    f"has {len(record)} fields, the header has {len(columns)}",
                    reader.line_num,
                )
            values = [cell.strip() or None for cell in record]
            rows.append(dict(zip(columns, values, strict=False)))
            lines.append(reader.line_num)
    except csv.Error as exc:
        report.add(name, len(rows) + 1, None, f"malformed CSV: {exc}", reader.line_num)
    if not report.ok:
        raise InputError(report)
    return InputTable(name=name, columns=columns, rows=rows, lines=lines)


def _read_parquet(path: Path, name: str) -> InputTable:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several error types for a bad file
        raise _fail(name, f"not a readable Parquet file: {exc}") from None
    return InputTable(name=name, columns=list(table.column_names), rows=table.to_pylist())
