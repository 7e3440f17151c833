"""Whole files read column by column into Arrow, with every bad value reported by row and
field: the fast path for bulk inputs (lab results, check-ins) that must validate millions of
rows in seconds. The row-by-row readers in ``io.tables`` serve the registry imports."""

from __future__ import annotations

import csv as csv_module
import datetime as dt
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from shoutu.domain.timeutil import Window, parse_timestamp
from shoutu.errors import InputError, ValidationReport
from shoutu.io.tables import checked_encoding, checked_header, missing_column, not_utf8


class RowProblems:
    """Collects problems by row (data rows count from 1; CSV lines = row + 1). A field's
    value is reported once: a value that is not a time is not also "empty", and a check
    across fields (t_out before t_in) leaves out the rows where either is wrong already."""

    def __init__(self, name: str, csv: bool) -> None:
        self.name, self.csv, self.report = name, csv, ValidationReport()
        self.flagged: dict[str, set[int]] = {}  # field -> rows (from 0) with a problem
        self.lines: list[int] | None = None  # each row's own line (a sheet's, blank rows aside)

    def rows(
        self,
        mask: np.ndarray,
        field_name: str,
        reason: str | list[str],
        parameter: str | None = None,
        *,
        unless: Collection[str] = (),
    ) -> None:
        """Report the rows of ``mask`` (``reason`` one for all, or one per row), but for those
        with a problem in this field or in the ``unless`` fields already."""
        skip = set().union(*(self.flagged.get(f, set()) for f in (field_name, *unless)))
        flagged = self.flagged.setdefault(field_name, set())
        for i, index in enumerate(np.flatnonzero(mask)):
            if int(index) in skip:
                continue
            flagged.add(int(index))
            text = reason if isinstance(reason, str) else reason[i]
            row = int(index) + 1
            line = self.lines[row - 1] if self.lines else row + 1 if self.csv else None
            self.report.add(self.name, row, field_name, text, line, parameter)

    def plausible(self, table: pa.Table, names: Collection[str], window: Window, tz: str) -> None:
        """Rows whose time in ``names`` falls on a local day outside ``window``."""
        low = pa.scalar(window.low, pa.date32())
        high = pa.scalar(window.high, pa.date32())
        for name in names:
            if name not in table.column_names:
                continue
            local = pc.local_timestamp(pc.cast(table[name], pa.timestamp("us", tz=tz)))
            day = pc.cast(local, pa.date32())
            outside = pc.or_(pc.less(day, low), pc.greater(day, high)).fill_null(False)
            mask = np.asarray(outside.to_numpy(zero_copy_only=False), bool)
            if mask.any():
                days = day.filter(pa.array(mask)).to_pylist()
                reasons = [f"{d} is outside the plausible dates {window}" for d in days]
                self.rows(mask, name, reasons, "allow_dates")


def read_arrow(path: Path) -> pa.Table:
    """A whole CSV or Parquet file as it is (types inferred from CSV, empty strings null);
    a missing or unreadable file is an InputError naming it."""
    if not path.exists():
        raise InputError.single(str(path), "file not found")
    if path.is_dir():
        raise InputError.single(str(path), "a folder, not a CSV or Parquet file")
    try:
        if path.suffix.lower() == ".parquet":
            return pq.read_table(path)
        if path.suffix.lower() == ".xlsx":
            columns, rows, _ = _excel_rows(path)
            return pa.Table.from_pylist(rows) if rows else pa.table({c: [] for c in columns})
        options = pa_csv.ConvertOptions(strings_can_be_null=True)
        return pa_csv.read_csv(path, convert_options=options)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError.single(str(path), f"cannot be read: {exc}") from None


def _excel_rows(path: Path) -> tuple[list[str], list[dict[str, Any]], list[int]]:
    """A workbook's first sheet: its checked header, its rows and their sheet lines; an
    InputError naming the file when it is not a workbook."""
    from shoutu.io.excel import read_xlsx, xlsx_header

    try:
        columns = xlsx_header(path)
        numbered = list(read_xlsx(path))
    except Exception as exc:  # openpyxl raises many kinds for a file that is not one
        raise InputError.single(str(path), f"not a readable Excel workbook: {exc}") from None
    if not columns:
        raise InputError.single(str(path), "the first sheet has no header row")
    rows, lines = [row for _, row in numbered], [line for line, _ in numbered]
    return checked_header(str(path), columns), rows, lines


def _excel_as_text(path: Path) -> tuple[pa.Table, list[int]]:
    """A workbook's first sheet as text columns (cells as their text; times ISO 8601), so
    that it goes through the same casts as a CSV file."""
    import datetime as dt

    columns, rows, lines = _excel_rows(path)
    data: dict[str, list[str | None]] = {c: [] for c in columns}
    for row in rows:
        for c in columns:
            v = row.get(c)
            data[c].append(
                None if v is None else v.isoformat() if isinstance(v, dt.datetime) else str(v)
            )
    return pa.table({c: pa.array(v, pa.string()) for c, v in data.items()}), lines


def local_times(table: pa.Table, path: Path, names: Collection[str], timezone: str) -> pa.Table:
    """``table`` (read from ``path``) with its time columns among ``names`` as UTC timestamps
    (naive = local ``timezone``; dates stay dates); a value that is not a time is a problem by
    row and field, raised as InputError."""
    check = RowProblems(path.name, path.suffix.lower() != ".parquet")
    for name in names:
        if name not in table.column_names:
            continue
        values = table.column(name).combine_chunks()
        if pa.types.is_date(values.type) or pa.types.is_null(values.type):
            continue
        parsed = _timestamps(values, name, timezone, check)
        table = table.set_column(table.schema.get_field_index(name), name, parsed)
    if not check.report.ok:
        raise InputError(check.report)
    return table


def read_columns(
    path: Path,
    schema: pa.Schema,
    required: tuple[str, ...],
    timezone: str,
    defaults: dict[str, object] | None = None,
    encoding: str | None = None,
) -> tuple[pa.Table, RowProblems]:
    """The whole file (CSV or Parquet) as a table of ``schema``: values cast column by column,
    timestamps to UTC (naive = local ``timezone``), empty strings as nulls, missing optional
    columns null (or their default). A value that does not cast, and an empty required value,
    is a problem by row and field in the returned RowProblems; a missing required column or
    an unreadable file raises InputError at once."""
    csv = path.suffix.lower() != ".parquet"
    check = RowProblems(path.name, csv)
    if not path.exists():
        check.report.add(path.name, None, None, "file not found")
        raise InputError(check.report)
    encoding = checked_encoding(encoding)
    try:
        if path.suffix.lower() == ".xlsx":
            raw, check.lines = _excel_as_text(path)
        elif csv:
            with path.open(newline="", encoding=encoding or "utf-8-sig") as handle:
                names = next(csv_module.reader(handle), [])
            strings = {name: pa.string() for name in names}
            utf8 = encoding in (None, "utf-8-sig")  # Arrow's reader skips a byte-order mark
            raw = pa_csv.read_csv(
                path,
                read_options=pa_csv.ReadOptions(encoding="utf8" if utf8 else str(encoding)),
                convert_options=pa_csv.ConvertOptions(column_types=strings),
            )
        else:
            raw = pq.read_table(path)
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc.start) from None
    except (pa.ArrowInvalid, OSError) as exc:
        if "utf8" in str(exc).lower() and encoding is None:
            raise not_utf8(path, 0) from None
        check.report.add(path.name, None, None, f"cannot be read: {exc}")
        raise InputError(check.report) from None
    missing = [name for name in required if name not in raw.column_names]
    for name in missing:
        check.report.add(path.name, None, name, missing_column(name, raw.column_names))
    if missing:
        raise InputError(check.report)
    n = raw.num_rows
    columns: dict[str, pa.Array] = {}
    for name, kind in zip(schema.names, schema.types, strict=True):
        values = raw.column(name).combine_chunks() if name in raw.column_names else None
        if values is None:
            value = (defaults or {}).get(name)
            columns[name] = pa.nulls(n, kind) if value is None else pa.array([value] * n, kind)
        elif pa.types.is_timestamp(kind):
            columns[name] = _timestamps(values, name, timezone, check)
        else:
            columns[name] = _cast(values, kind, name, check)
    table = pa.table(columns, schema=schema)
    for name in required:
        check.rows(np.asarray(table[name].is_null()), name, "is empty")
    return table, check


def _cast(values: pa.Array, kind: pa.DataType, name: str, check: RowProblems) -> pa.Array:
    if pa.types.is_string(values.type):
        values = pc.if_else(pc.equal(pc.utf8_trim_whitespace(values), ""), None, values)
    try:
        return pc.cast(values, kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    out, bad, reasons = [], [], []
    for value in values.to_pylist():
        try:
            out.append(pc.cast(pa.array([value]), kind)[0].as_py())
            bad.append(False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            out.append(None)
            bad.append(True)
            reasons.append(f"{value!r} is not a valid {kind}")
    check.rows(np.array(bad), name, reasons)
    return pa.array(out, kind)


def _timestamps(values: pa.Array, name: str, timezone: str, check: RowProblems) -> pa.Array:
    """UTC timestamps; naive values are local time (``timezone``)."""
    utc = pa.timestamp("us", tz="UTC")
    if pa.types.is_timestamp(values.type):
        if values.type.tz is None:
            values = pc.assume_timezone(pc.cast(values, pa.timestamp("us")), timezone)
        return pc.cast(values, utc)
    text = pc.cast(values, pa.string())
    for attempt in (utc, None):
        try:
            if attempt is not None:
                return pc.cast(text, attempt)
            naive = pc.cast(text, pa.timestamp("us"))
            return pc.cast(pc.assume_timezone(naive, timezone), utc)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    out: list[dt.datetime | None] = []
    bad, reasons = [], []
    for value in text.to_pylist():
        try:
            out.append(None if value in (None, "") else parse_timestamp(value, timezone))
            bad.append(False)
        except ValueError:
            out.append(None)
            bad.append(True)
            reasons.append(f"{value!r} is not a timestamp")
    check.rows(np.array(bad), name, reasons)
    return pa.array(out, utc)


__all__ = ["RowProblems", "local_times", "read_arrow", "read_columns"]
