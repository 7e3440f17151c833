"""Input tables (CSV or Parquet, by extension) read in chunks of rows that remember their origin.

CSV values stay text (an empty field is None); Parquet values keep their types. Row numbers
count data rows from 1; CSV rows also carry their line number (the header is line 1). Files are
streamed: a chunk of rows at a time, so millions of rows fit in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shoutu.errors import InputError, ValidationReport

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
EXCEL_SUFFIXES = {".xlsx"}

#: (row number, CSV line or None, values by column)
Row = tuple[int, int | None, dict[str, Any]]


@dataclass
class InputTable:
    """A table to import: its name (how problems name it), columns, and its rows in chunks."""

    name: str
    columns: list[str]
    content_hash: str | None = None
    _rows: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @classmethod
    def from_records(cls, name: str, records: Sequence[Mapping[str, Any]]) -> InputTable:
        """A table from in-memory records; columns are the union of their keys, in order."""
        columns = list(dict.fromkeys(key for record in records for key in record))
        return cls(name=name, columns=columns, _rows=[dict(r) for r in records])

    @classmethod
    def from_arrow(cls, name: str, table: Any) -> InputTable:
        """A table from an in-memory Arrow table (values keep their types)."""
        return cls(name=name, columns=list(table.column_names), _rows=table.to_pylist())

    def chunks(self, size: int | None, report: ValidationReport) -> Iterator[list[Row]]:
        """Rows in chunks of ``size`` (None: one chunk); structural problems go to ``report``."""
        rows: list[Row] = [(index + 1, None, row) for index, row in enumerate(self._rows)]
        step = size or max(len(rows), 1)
        for start in range(0, len(rows), step):
            yield rows[start : start + step]


class GeneratedTable(InputTable):
    """Rows produced chunk by chunk by a function (e.g. converted from another file)."""

    def __init__(
        self,
        name: str,
        columns: list[str],
        produce: Callable[[int | None], Iterator[list[dict[str, Any]]]],
    ) -> None:
        super().__init__(name=name, columns=columns)
        self.produce = produce

    def chunks(self, size: int | None, report: ValidationReport) -> Iterator[list[Row]]:
        number = 0
        for records in self.produce(size):
            yield [(number + i + 1, None, row) for i, row in enumerate(records)]
            number += len(records)


def _fail(name: str, reason: str, parameter: str | None = None) -> InputError:
    return InputError.single(name, reason, parameter=parameter)


#: encodings a file that is not UTF-8 is tried in, to say what it is (Chinese offices' GBK
#: exports are GB18030's subset)
LIKELY_ENCODINGS = ("gb18030", "big5")


def not_utf8(path: Path, start: int) -> InputError:
    """The error for a file that does not decode as UTF-8, naming the encoding it reads in."""
    with path.open("rb") as handle:
        sample = handle.read(1 << 20)  # the first megabyte tells
    for encoding in LIKELY_ENCODINGS:
        try:
            sample.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:  # a cut at the sample's end does not count
                continue
        return _fail(
            str(path),
            f"is not UTF-8 text (byte {start}); it reads as {encoding.upper()}: give that encoding",
            parameter="encoding",
        )
    return _fail(str(path), f"is not UTF-8 text (byte {start}): give its encoding", "encoding")


class CsvTable(InputTable):
    def __init__(self, path: Path, delimiter: str, encoding: str | None = None) -> None:
        self.path = path
        self.delimiter = delimiter
        self.encoding = encoding or "utf-8-sig"
        self.name = str(path)
        super().__init__(name=self.name, columns=self._header())

    def _open(self) -> Any:
        return self.path.open(encoding=self.encoding, newline="")

    def _header(self) -> list[str]:
        try:
            with self._open() as handle:
                header = next(csv.reader(handle, delimiter=self.delimiter), None)
        except UnicodeDecodeError as exc:
            raise self._undecodable(exc.start) from None
        if header is None:
            raise _fail(self.name, "empty file: no header row")
        return checked_header(self.name, [c.strip() for c in header])

    def _undecodable(self, start: int) -> InputError:
        if self.encoding.startswith("utf-8"):
            return not_utf8(self.path, start)
        return _fail(self.name, f"is not {self.encoding} text (byte {start})", "encoding")

    def chunks(self, size: int | None, report: ValidationReport) -> Iterator[list[Row]]:
        columns, width = self.columns, len(self.columns)
        chunk: list[Row] = []
        number = 0
        with self._open() as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            next(reader)
            try:
                for record in reader:
                    if not any(cell.strip() for cell in record):
                        continue  # blank line
                    number += 1
                    if len(record) != width:
                        report.add(
                            self.name,
                            number,
                            None,
                            f"has {len(record)} fields, the header has {width}",
                            reader.line_num,
                        )
                        continue
                    values = [cell.strip() or None for cell in record]
                    chunk.append((number, reader.line_num, dict(zip(columns, values, strict=True))))
                    if size and len(chunk) >= size:
                        yield chunk
                        chunk = []
            except csv.Error as exc:
                report.add(self.name, number + 1, None, f"malformed CSV: {exc}", reader.line_num)
            except UnicodeDecodeError as exc:
                if self.encoding.startswith("utf-8"):
                    raise not_utf8(self.path, exc.start) from None
                report.add(self.name, number + 1, None, f"not {self.encoding} text", None)
        if chunk:
            yield chunk


class ParquetTable(InputTable):
    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        try:
            self.file = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow raises several error types for a bad file
            raise _fail(str(path), f"not a readable Parquet file: {exc}") from None
        super().__init__(name=str(path), columns=list(self.file.schema_arrow.names))

    def chunks(self, size: int | None, report: ValidationReport) -> Iterator[list[Row]]:
        number = 0
        batches = self.file.iter_batches(batch_size=size) if size else iter([self.file.read()])
        for batch in batches:
            records = batch.to_pylist()
            rows: list[Row] = [(number + i + 1, None, row) for i, row in enumerate(records)]
            yield rows
            number += len(rows)


class ExcelTable(InputTable):
    """An .xlsx workbook's first sheet; rows keep their cell types, numbered from 1 with the
    sheet's row as the line (the header is row 1 there too)."""

    def __init__(self, path: Path) -> None:
        from shoutu.io.excel import xlsx_header

        try:
            columns = xlsx_header(path)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not one
            raise _fail(str(path), f"not a readable Excel workbook: {exc}") from None
        if not columns:
            raise _fail(str(path), "the first sheet has no header row")
        self.path = path
        super().__init__(name=str(path), columns=checked_header(str(path), columns))

    def chunks(self, size: int | None, report: ValidationReport) -> Iterator[list[Row]]:
        from shoutu.io.excel import read_xlsx

        chunk: list[Row] = []
        for number, (line, row) in enumerate(read_xlsx(self.path), start=1):
            values = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in row.items()}
            chunk.append((number, line, values))
            if size and len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def checked_header(name: str, columns: list[str]) -> list[str]:
    """A header's column names, refused (naming the file) when one is empty or repeated."""
    seen: set[str] = set()
    for column in columns:
        if not column:
            raise _fail(name, "the header has an empty column name")
        if column in seen:
            raise _fail(name, f"column {column!r} appears twice in the header")
        seen.add(column)
    return columns


def read_table(path: Path, encoding: str | None = None) -> InputTable:
    """Open ``path`` as CSV (comma, or tab for .tsv; UTF-8 unless ``encoding``) or Parquet,
    ready to stream."""
    from shoutu.io.provenance import file_hash

    if not path.exists():
        raise _fail(str(path), "file not found")
    suffix = path.suffix.lower()
    table: InputTable
    if suffix in PARQUET_SUFFIXES:
        table = ParquetTable(path)
    elif suffix in EXCEL_SUFFIXES:
        table = ExcelTable(path)
    elif suffix in CSV_SUFFIXES:
        table = CsvTable(path, "\t" if suffix == ".tsv" else ",", checked_encoding(encoding))
    else:
        raise _fail(str(path), f"unknown file type {suffix!r}: use .csv, .tsv, .xlsx or .parquet")
    table.content_hash = file_hash(path)
    return table


def checked_encoding(encoding: str | None) -> str | None:
    """An encoding Python knows (a BadRequest naming the option otherwise)."""
    import codecs

    from shoutu.errors import BadRequest

    if encoding is None:
        return None
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise BadRequest(f"unknown {{encoding}} {encoding!r} (e.g. utf-8, gb18030)") from None
    return "utf-8-sig" if name == "utf-8" else name  # a byte-order mark is not text


def _normal(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def missing_column(name: str, columns: Sequence[str]) -> str:
    """'required column is missing', with the header's closest name when there is one
    (case, spaces and punctuation aside, or a near spelling)."""
    import difflib

    same = [c for c in columns if _normal(c) == _normal(name)]
    near = same or difflib.get_close_matches(name, list(columns), n=1, cutoff=0.75)
    if near:
        return f"required column is missing (did you mean {near[0]!r}?)"
    return "required column is missing"
