"""Daily count series for the analytics commands: ``date`` plus counts, optionally by region.

Accepted count columns: ``cases``; or ``local`` with optional ``imported``; or EpiEstim's own
``dates`` and ``I``. Each region's days run from the first to the last date of the file; days
missing from the file count as zero. Bad rows are reported by row and field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shoutu.domain.timeutil import parse_date
from shoutu.errors import InputError, ValidationReport
from shoutu.io.tables import read_table

ALL = ""  # the region label when the file has no region column


@dataclass
class DailySeries:
    regions: list[str]
    start: dt.date
    local: np.ndarray  # regions x times
    imported: np.ndarray
    content_hash: str
    step_days: int = 1  # 7 for weekly series (every date on the same weekday)

    @property
    def days(self) -> int:
        """The number of time steps (days, or weeks for weekly series)."""
        return int(self.local.shape[1])

    def date(self, index: int) -> dt.date:
        return self.start + dt.timedelta(days=index * self.step_days)

    @classmethod
    def from_counts(
        cls,
        regions: list[str],
        start: dt.date,
        local: np.ndarray,
        imported: np.ndarray | None = None,
        step_days: int = 1,
    ) -> DailySeries:
        """A series from in-memory counts (regions x steps); its hash is of the values."""
        import hashlib

        local = np.asarray(local, float).reshape(len(regions), -1)
        imported = np.zeros_like(local) if imported is None else np.asarray(imported, float)
        digest = hashlib.sha256()
        digest.update("\t".join(regions).encode() + f"|{start}|{step_days}|".encode())
        digest.update(np.ascontiguousarray(local).tobytes())
        digest.update(np.ascontiguousarray(imported).tobytes())
        return cls(regions, start, local, imported, digest.hexdigest(), step_days)

    def weekly(self, present: np.ndarray) -> DailySeries:
        """Weekly when every date present (day offsets) falls on one weekday, 7 days apart."""
        if len(present) < 2 or np.any(present % 7):
            return self
        return DailySeries(
            self.regions,
            self.start,
            self.local[:, ::7],
            self.imported[:, ::7],
            self.content_hash,
            7,
        )


def _fast(path: Path) -> DailySeries | None:
    """A clean file, read column by column with Arrow (millions of rows in a fraction of a
    second); None when anything is unusual, so the row-by-row reader can report it."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from shoutu.io.provenance import file_hash

    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            names = pq.read_schema(path).names
            # region labels come back dictionary-encoded as stored: no hashing of millions
            table = pq.read_table(path, read_dictionary=[n for n in ("region",) if n in names])
        elif path.suffix.lower() == ".csv":
            table = pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    column_types={"date": pa.date32(), "dates": pa.date32(), "region": pa.string()}
                ),
            )
        else:
            return None
        names = set(table.column_names)
        date_col = "date" if "date" in names else "dates" if "dates" in names else None
        count_cols = (
            ["cases"]
            if "cases" in names
            else ["count"]
            if "count" in names
            else ["I"]
            if "I" in names
            else ["local", "imported"]
            if {"local", "imported"} <= names
            else ["local"]
            if "local" in names
            else []
        )
        if date_col is None or not count_cols or table.num_rows == 0:
            return None
        dates = pc.cast(table.column(date_col), pa.date32())
        counts = [
            pc.cast(table.column(c), pa.float64()).to_numpy(zero_copy_only=False)
            for c in count_cols
        ]
        if dates.null_count or any(np.isnan(c).any() or (c < 0).any() for c in counts):
            return None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    # date32 is days since 1970-01-01: its integers, without a pass through datetime64
    day = pc.cast(dates, pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)
    if "region" in names:
        column = table.column("region")
        if pa.types.is_dictionary(column.type):
            column = column.unify_dictionaries() if column.num_chunks > 1 else column
            encoded = column
        else:
            encoded = pc.dictionary_encode(pc.cast(column, pa.string()))
        combined = encoded.combine_chunks()
        if combined.null_count:
            return None
        labels = combined.dictionary.to_pylist()
        if len(set(labels)) != len(labels):  # a stored dictionary need not be unique
            combined = pc.dictionary_encode(combined.cast(pa.string()))
            labels = combined.dictionary.to_pylist()
        codes = combined.indices.to_numpy(zero_copy_only=False)
    else:
        labels, codes = [ALL], np.zeros(len(day), np.int64)
    order = np.argsort(labels)
    rank = np.empty(len(labels), np.int64)
    rank[order] = np.arange(len(labels))
    region = rank[codes]
    first = int(day.min())
    n_days = int(day.max()) - first + 1
    flat = region * n_days + (day - first)
    if np.bincount(flat, minlength=len(labels) * n_days).max() > 1:
        return None  # a date twice for a region: the row reader says where
    local = np.zeros(len(labels) * n_days)
    imported = np.zeros(len(labels) * n_days)
    local[flat] = counts[0]
    if len(counts) > 1:
        imported[flat] = counts[1]
    daily = DailySeries(
        [labels[i] for i in order],
        dt.date.fromordinal(dt.date(1970, 1, 1).toordinal() + first),
        local.reshape(len(labels), n_days),
        imported.reshape(len(labels), n_days),
        file_hash(path),
    )
    return daily.weekly(np.flatnonzero(np.bincount(day - first)))  # the days present


def read_daily_series(
    path: Path, date_format: str | None = None, *, encoding: str | None = None
) -> DailySeries:
    """A daily (or weekly) series file: date or dates, an optional region, and cases, count,
    local[,imported] or I; CSV text in ``encoding`` (default UTF-8)."""
    utf8 = encoding is None or encoding.lower().replace("_", "-") in ("utf-8", "utf8")
    if date_format is None and utf8 and path.exists():
        fast = _fast(path)
        if fast is not None:
            return fast
    table = read_table(path, encoding)
    columns = set(table.columns)
    report = ValidationReport()
    date_col = "date" if "date" in columns else "dates" if "dates" in columns else None
    count_cols = (
        ["cases"]
        if "cases" in columns
        else ["count"]
        if "count" in columns
        else ["I"]
        if "I" in columns
        else ["local", "imported"]
        if {"local", "imported"} <= columns
        else ["local"]
        if "local" in columns
        else []
    )
    if date_col is None:
        report.add(table.name, None, "date", "required column is missing (date or dates)")
    if not count_cols:
        report.add(
            table.name,
            None,
            "cases",
            "required column is missing (cases, count, local[,imported] or I)",
        )
    if not report.ok:
        raise InputError(report)
    assert date_col is not None
    rows: dict[tuple[str, dt.date], tuple[float, float]] = {}
    first_row: dict[tuple[str, dt.date], int] = {}
    for chunk in table.chunks(None, report):
        for number, line, raw in chunk:
            region = str(raw.get("region") or ALL) if "region" in columns else ALL
            try:
                day = parse_date(raw.get(date_col), date_format)
            except ValueError as exc:
                report.add(table.name, number, date_col, str(exc), line)
                continue
            values = []
            for name in count_cols:
                value = raw.get(name)
                try:
                    number_value = 0.0 if value is None or value == "" else float(str(value))
                    if number_value < 0 or not np.isfinite(number_value):
                        raise ValueError
                except (TypeError, ValueError):
                    report.add(table.name, number, name, f"{value!r} is not a count >= 0", line)
                    number_value = 0.0
                values.append(number_value)
            key = (region, day)
            if key in first_row:
                report.add(
                    table.name,
                    number,
                    date_col,
                    f"{day} appears twice for region {region!r} (first at row {first_row[key]})",
                    line,
                )
                continue
            first_row[key] = number
            rows[key] = (values[0], values[1] if len(values) > 1 else 0.0)
    if not report.ok:
        raise InputError(report)
    if not rows:
        report.add(table.name, None, None, "no data rows")
        raise InputError(report)
    regions = sorted({r for r, _ in rows})
    start = min(d for _, d in rows)
    end = max(d for _, d in rows)
    n_days = (end - start).days + 1
    local = np.zeros((len(regions), n_days))
    imported = np.zeros((len(regions), n_days))
    index = {r: i for i, r in enumerate(regions)}
    for (region, day), (value_local, value_imported) in rows.items():
        local[index[region], (day - start).days] = value_local
        imported[index[region], (day - start).days] = value_imported
    present = np.unique([(d - start).days for _, d in rows])
    return DailySeries(regions, start, local, imported, table.content_hash or "").weekly(present)


def read_si_distr(path: Path) -> np.ndarray:
    """A serial-interval file ``day,p`` (days 0, 1, 2, …)."""
    table = read_table(path)
    report = ValidationReport()
    for column in ("day", "p"):
        if column not in table.columns:
            report.add(table.name, None, column, "required column is missing")
    if not report.ok:
        raise InputError(report)
    values: dict[int, float] = {}
    for chunk in table.chunks(None, report):
        for number, line, raw in chunk:
            try:
                day = int(str(raw["day"]))
                if day < 0:
                    raise ValueError
            except ValueError:
                report.add(table.name, number, "day", f"{raw['day']!r} is not a day >= 0", line)
                continue
            try:
                values[day] = float(str(raw["p"]))
            except ValueError:
                report.add(table.name, number, "p", f"{raw['p']!r} is not a number", line)
    if not report.ok:
        raise InputError(report)
    si = np.zeros(max(values) + 1)
    for day, p in values.items():
        si[day] = p
    return si


def read_wide_series(path: Path, date_format: str | None = None) -> DailySeries:
    """A wide file: the first column the date, one column of counts per region."""
    table = read_table(path)
    report = ValidationReport()
    if len(table.columns) < 2:
        report.add(table.name, None, None, "a wide file needs a date column and region columns")
        raise InputError(report)
    date_col, regions = table.columns[0], table.columns[1:]
    days: list[dt.date] = []
    values: list[list[float]] = []
    seen: dict[dt.date, int] = {}
    for chunk in table.chunks(None, report):
        for number, line, raw in chunk:
            try:
                day = parse_date(raw.get(date_col), date_format)
            except ValueError as exc:
                report.add(table.name, number, date_col, str(exc), line)
                continue
            if day in seen:
                report.add(
                    table.name,
                    number,
                    date_col,
                    f"{day} appears twice (first at row {seen[day]})",
                    line,
                )
                continue
            seen[day] = number
            row = []
            for region in regions:
                value = raw.get(region)
                try:
                    count = 0.0 if value is None or value == "" else float(str(value))
                    if count < 0 or not np.isfinite(count):
                        raise ValueError
                except ValueError:
                    report.add(table.name, number, region, f"{value!r} is not a count >= 0", line)
                    count = 0.0
                row.append(count)
            days.append(day)
            values.append(row)
    if not report.ok:
        raise InputError(report)
    if not days:
        report.add(table.name, None, None, "no data rows")
        raise InputError(report)
    start = min(days)
    n_days = (max(days) - start).days + 1
    local = np.zeros((len(regions), n_days))
    offsets = np.asarray([(d - start).days for d in days])
    local[:, offsets] = np.asarray(values).T
    return DailySeries(
        list(regions), start, local, np.zeros_like(local), table.content_hash or ""
    ).weekly(np.unique(offsets))
