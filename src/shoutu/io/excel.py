"""Excel workbooks (.xlsx) in and out, for the offices that live in them: a table written to
the first sheet (header row, values as they are, times in local ISO text) with the
provenance on a second sheet; a workbook's first sheet read as rows (header = first row)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

#: Excel's rows per sheet, less the header
MAX_ROWS = 1_048_575
PROVENANCE_SHEET = "provenance"


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()  # time zone kept: Excel's own dates have none
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
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
    sheet.append(list(table.column_names))
    for batch in table.to_batches(50_000):
        for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
            sheet.append([_cell(v) for v in row])
    about = book.create_sheet(PROVENANCE_SHEET)
    about.append(["shoutu provenance"])
    about.append([json.dumps(provenance, ensure_ascii=False, sort_keys=True)])
    book.save(path)


def read_xlsx(path: Path) -> tuple[list[str], Iterator[dict[str, Any]]]:
    """The first sheet's header and its rows (dicts by column); empty cells are None and
    blank rows are left out."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    columns = [str(c).strip() if c is not None else "" for c in (header or ())]
    while columns and not columns[-1]:
        columns.pop()

    def produce() -> Iterator[dict[str, Any]]:
        try:
            for values in rows:
                if values is None or all(v is None or str(v).strip() == "" for v in values):
                    continue
                yield {c: (values[i] if i < len(values) else None) for i, c in enumerate(columns)}
        finally:
            book.close()

    return columns, produce()


__all__ = ["MAX_ROWS", "read_xlsx", "write_xlsx"]
