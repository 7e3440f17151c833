"""Excel workbooks (.xlsx) in and out, for the offices that live in them: a table written to
the first sheet (header row, values as they are, times in local ISO text; text that starts
with ``=`` stays text, never a formula) with the provenance on a second sheet; a workbook's
first sheet read as rows (header = first row)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

#: Excel's rows per sheet, less the header
MAX_ROWS = 1_048_575
PROVENANCE_SHEET = "provenance"


def _cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, dt.datetime):
        return value.isoformat()  # time zone kept: Excel's own dates have none
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # a name like =HYPERLINK(...) is shown, never run
        return cell
    return value


def write_xlsx(path: Path, table: Any, provenance: Mapping[str, Any]) -> None:
    """``table`` (Arrow) on a sheet, the provenance on another."""
    from openpyxl import Workbook

    from shoutu.errors import BadRequest

    if table.num_rows > MAX_ROWS:
        raise BadRequest(
            f"{table.num_rows:,} rows are more than an Excel sheet holds ({MAX_ROWS:,}): "
            "write the {output} as .csv or .parquet"
        )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append([_cell(sheet, name) for name in table.column_names])
    for batch in table.to_batches(50_000):
        for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
            sheet.append([_cell(sheet, v) for v in row])
    about = book.create_sheet(PROVENANCE_SHEET)
    about.append(["shoutu provenance"])
    about.append([json.dumps(provenance, ensure_ascii=False, sort_keys=True)])
    book.save(path)


def _header(values: tuple[Any, ...] | None) -> list[str]:
    columns = [str(c).strip() if c is not None else "" for c in (values or ())]
    while columns and not columns[-1]:
        columns.pop()  # empty cells after the last name
    return columns


def xlsx_header(path: Path) -> list[str]:
    """The first sheet's header row (the workbook closed again)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return _header(next(book.worksheets[0].iter_rows(values_only=True), None))
    finally:
        book.close()


def read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The first sheet's rows after the header, each with its sheet row number, as dicts by
    column; empty cells are None and blank rows are left out. The workbook is closed when
    the rows are exhausted or the iterator is closed."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        columns = _header(next(rows, None))
        for line, values in enumerate(rows, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            yield line, {c: (values[i] if i < len(values) else None) for i, c in enumerate(columns)}
    finally:
        book.close()


__all__ = ["MAX_ROWS", "read_xlsx", "write_xlsx", "xlsx_header"]
