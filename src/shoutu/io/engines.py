"""Query engines for SQL over Parquet files and Arrow tables: DuckDB (embedded, the default)
and Apache Spark (``pyspark`` local mode, or a cluster the session is pointed at).

A query is written once, in DuckDB's dialect restricted to what both engines share; Spark gets
it through sqlglot. Times are handled as integer microseconds since the epoch inside queries
(``UNIX_MICROS(CAST(x AS TIMESTAMPTZ))``, native in Spark and a macro in DuckDB), so that
both engines compute exactly the same numbers whatever their time-zone rules; callers turn them
back into timestamps at the edge. Row order is not part of a result: callers sort.

Every input is read by one rule, whatever its format: a naive timestamp is local time in the
session's zone (``SHOUTU_TIMEZONE``), as CSV text is (``io.columnar``). Each input's view
converts its naive timestamp columns from the zone's UTC offsets over the column's range (from
the Parquet statistics: a subtraction, or a few ranges around daylight-saving changes; an
ambiguous or skipped local time takes the offset before the change, as ``zoneinfo`` does), so
big files are never rewritten and both engines convert with the same SQL. A view may also keep
only the rows whose times may overlap a span, compared with the stored column as a typed
constant so that the engine filters inside its scan.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol, TypeAlias, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from shoutu.errors import BadRequest, InputError

F = TypeVar("F")

ENGINES = ("duckdb", "spark")
#: a query input: a Parquet (or CSV) file, several Parquet files, or a table in memory
Source = Path | tuple[Path, ...] | pa.Table
Loadable: TypeAlias = tuple[Path, ...] | pa.Table
#: a loaded input's columns and their types as stored (a naive timestamp is read as local time)
Columns = dict[str, pa.DataType]
_EPOCH = dt.datetime(1970, 1, 1)
_MICROSECOND = dt.timedelta(microseconds=1)
# naive times are converted by the zone's offsets in this range (all of it without statistics)
_KNOWN_RANGE = (dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1))


@dataclass(frozen=True)
class Overlap:
    """Keep the rows whose interval from ``start`` to ``end`` may overlap ``low`` to ``high``
    (microseconds since the epoch): ``end > low`` and ``start < high``, on the columns as
    stored (naive local times widened by the zone's offsets), so never fewer rows."""

    start: str
    end: str
    low: int
    high: int


@dataclass(frozen=True)
class EngineOptions:
    duckdb_memory_limit: str = "4GB"  # DuckDB spills to disk beyond it
    spark_master: str = "local[*]"


class QueryEngine(Protocol):
    name: str

    def load(
        self, name: str, source: Loadable, overlap: Overlap | None = None, where: str | None = None
    ) -> Columns:
        """Register Parquet files or an Arrow table as a view ``name`` (naive timestamps as
        local time; only the rows that may ``overlap`` and meet ``where``, a condition on
        columns other than the times, if given); returns its columns with their types as
        stored."""

    def view(self, name: str, sql: str) -> None:
        """A named query, computed when used."""

    def table(self, name: str, sql: str) -> None:
        """A named query, computed once (used more than once downstream)."""

    def fetch(self, sql: str) -> pa.Table: ...

    def close(self) -> None: ...


def _check(paths: tuple[Path, ...]) -> None:
    for path in paths:
        if "'" in str(path):
            raise BadRequest(f"{path}: file names with quotes are not supported")


class DuckDBEngine:
    name = "duckdb"

    def __init__(
        self, memory_limit: str = EngineOptions.duckdb_memory_limit, *, timezone: str
    ) -> None:
        import duckdb

        self.timezone = timezone
        self._con = duckdb.connect()
        self._con.execute(f"SET memory_limit = '{memory_limit}'")
        self._con.execute("SET TimeZone = 'UTC'")
        self._con.execute("CREATE MACRO unix_micros(x) AS epoch_us(x)")
        self._con.execute("CREATE MACRO timestamp_micros(x) AS make_timestamptz(x)")

    def load(
        self, name: str, source: Loadable, overlap: Overlap | None = None, where: str | None = None
    ) -> Columns:
        stored = f"{name}_stored"
        if isinstance(source, pa.Table):
            self._con.register(stored, source)
        else:
            _check(source)
            files = ", ".join(f"'{p}'" for p in source)
            self._con.execute(
                f"CREATE OR REPLACE VIEW {stored} AS SELECT * FROM read_parquet([{files}])"
            )
        sql, columns = input_view(stored, source, self.timezone, overlap, where)
        self.view(name, sql)
        return columns

    def view(self, name: str, sql: str) -> None:
        self._con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")

    def table(self, name: str, sql: str) -> None:
        self._con.execute(f"CREATE TEMP TABLE {name} AS {sql}")

    def fetch(self, sql: str) -> pa.Table:
        return pa.table(self._con.execute(sql).arrow())

    def close(self) -> None:
        self._con.close()


class SparkEngine:
    """Spark SQL over the same files, in a session on ``master`` (the active session when
    there is one), in UTC."""

    name = "spark"

    def __init__(self, master: str = EngineOptions.spark_master, *, timezone: str) -> None:
        self.timezone = timezone
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise BadRequest(
                "the spark {engine} needs pyspark and a Java runtime: pip install 'shoutu[spark]'"
            ) from exc
        self._spark = (
            SparkSession.builder.master(master)
            .appName("shoutu")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.log.level", "ERROR")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
        self._spark.conf.set("spark.sql.session.timeZone", "UTC")
        self._cached: list[Any] = []

    @staticmethod
    def dialect(sql: str) -> str:
        import sqlglot

        return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])

    def load(
        self, name: str, source: Loadable, overlap: Overlap | None = None, where: str | None = None
    ) -> Columns:
        if isinstance(source, pa.Table):
            frame = self._spark.createDataFrame(source)
        else:
            frame = self._spark.read.parquet(*[str(p) for p in source])
        frame.createOrReplaceTempView(f"{name}_stored")
        sql, columns = input_view(f"{name}_stored", source, self.timezone, overlap, where)
        self.view(name, sql)
        return columns

    def view(self, name: str, sql: str) -> None:
        self._spark.sql(self.dialect(sql)).createOrReplaceTempView(name)

    def table(self, name: str, sql: str) -> None:
        # computed now and cut from its lineage: cached frames that keep their whole plan make
        # each later step's plan grow until planning alone runs out of memory
        frame = self._spark.sql(self.dialect(sql)).localCheckpoint(eager=True)
        self._cached.append(frame)
        frame.createOrReplaceTempView(name)

    def fetch(self, sql: str) -> pa.Table:
        return pa.table(self._spark.sql(self.dialect(sql)).toArrow())

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()
        self._cached.clear()


def input_view(
    stored: str,
    source: Loadable,
    timezone: str,
    overlap: Overlap | None = None,
    condition: str | None = None,
) -> tuple[str, Columns]:
    """The SQL of an input's view over the relation ``stored`` (the input as the engine reads
    it), in the shared dialect: naive timestamp columns converted from local time in
    ``timezone``, only the rows that may ``overlap`` and meet ``condition`` (tested before any
    conversion); with the input's columns as stored."""
    import pyarrow.parquet as pq

    schema = source.schema if isinstance(source, pa.Table) else pq.read_schema(source[0])
    columns: Columns = {f.name: f.type for f in schema}
    selected, where = [], []
    offsets: dict[str, list[tuple[int, int]]] = {}
    for name, kind in columns.items():
        if not (pa.types.is_timestamp(kind) and kind.tz is None):
            selected.append(f'"{name}"')
            continue
        offsets[name] = pieces = local_offsets(timezone, *_naive_range(source, name))
        wall = f'UNIX_MICROS("{name}")'
        cases = [f"WHEN {wall} < {since} THEN {o}" for (_, o), (since, _) in pairwise(pieces)]
        shift = f"CASE {' '.join(cases)} ELSE {pieces[-1][1]} END" if cases else pieces[0][1]
        selected.append(f'TIMESTAMP_MICROS({wall} - {shift}) AS "{name}"')
    bounds = (
        [(overlap.end, ">", overlap.low), (overlap.start, "<", overlap.high)] if overlap else []
    )
    for name, op, micros in bounds:
        if not pa.types.is_timestamp(columns.get(name, pa.null())):
            continue  # a time the engine parses: no filter in the scan, never fewer rows
        if name in offsets:  # naive: local wall time, widened by the zone's offsets
            shifts = [o for _, o in offsets[name]]
            local = _EPOCH + dt.timedelta(microseconds=micros + (min if op == ">" else max)(shifts))
            literal = f"CAST('{local}' AS TIMESTAMP)"
        else:
            literal = f"CAST('{_EPOCH + dt.timedelta(microseconds=micros)}+00:00' AS TIMESTAMPTZ)"
        where.append(f'"{name}" {op} {literal}')
    where += [condition] if condition else []
    sql = f"SELECT {', '.join(selected)} FROM {stored}"
    return (f"{sql} WHERE {' AND '.join(where)}" if where else sql), columns


def _naive_range(source: Loadable, name: str) -> tuple[dt.datetime, dt.datetime]:
    """The smallest and largest value of a naive timestamp column (of a file, from the
    Parquet statistics of every row group), within ``_KNOWN_RANGE``, which it is when a row
    group has no statistics."""
    import pyarrow.parquet as pq

    lows, highs = [], []
    if isinstance(source, pa.Table):
        found = pc.min_max(source[name].cast(pa.timestamp("us")))
        lows, highs = [found["min"].as_py()], [found["max"].as_py()]
    for path in () if isinstance(source, pa.Table) else source:
        meta = pq.read_metadata(path)
        index = meta.schema.to_arrow_schema().get_field_index(name)
        for group in (meta.row_group(g) for g in range(meta.num_row_groups)):
            stats = group.column(index).statistics
            if group.num_rows and (stats is None or not stats.has_min_max):
                return _KNOWN_RANGE
            lows.append(stats.min if group.num_rows else None)
            highs.append(stats.max if group.num_rows else None)
    low, high = _KNOWN_RANGE
    lows, highs = [v for v in lows if v is not None], [v for v in highs if v is not None]
    return max(min(lows, default=low), low), min(max(highs, default=high), high)


def local_offsets(timezone: str, first: dt.datetime, last: dt.datetime) -> list[tuple[int, int]]:
    """The UTC offsets (microseconds) of local times in ``timezone`` from ``first`` to ``last``
    (naive; two days more either side): ``(since, offset)`` pairs in order, ``since`` the
    local time in microseconds from which the offset holds (the first pair's is never used).
    A local time that occurs twice, or not at all, takes the offset before the change (as
    ``zoneinfo`` reads it, fold=0)."""
    from shoutu.domain.timeutil import zone

    place = zone(timezone)

    def offset(second: int) -> int:  # of the instant ``second`` seconds after the epoch
        instant = dt.datetime.fromtimestamp(second, dt.UTC)
        return (instant.astimezone(place).utcoffset() or dt.timedelta()) // _MICROSECOND

    here = int(first.replace(tzinfo=dt.UTC).timestamp()) - 2 * 86_400
    end = int(last.replace(tzinfo=dt.UTC).timestamp()) + 2 * 86_400
    pieces = [(0, offset(here))]
    while here < end:
        low, high = here, here + 43_200
        if offset(high) != pieces[-1][1]:  # a change in (low, high]: find its second
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == pieces[-1][1] else (low, middle)
            since = high * 1_000_000 + max(offset(high), pieces[-1][1])
            pieces.append((since, offset(high)))
        here = high
    return pieces


@dataclass(frozen=True)
class InputSpec:
    """What a query needs of its input files, checked before any engine reads them: by field,
    the columns it needs (each a tuple of alternatives), and the time columns a CSV file's
    text is parsed into (naive = local time)."""

    required: Mapping[str, Sequence[tuple[str, ...]]] = field(default_factory=dict)
    times: frozenset[str] = frozenset()


def prepare_inputs(files: F, folder: Path, spec: InputSpec, timezone: str) -> F:
    """The same dataclass of inputs, each checked for the columns ``spec`` needs (a missing
    one is an input error naming the file and the input), CSV files turned into Parquet in
    ``folder`` with their times parsed (bad values by row and field), so that every engine
    reads the same typed columns (empty strings are nulls). Tables in memory are checked and
    used as they are."""
    import pyarrow.parquet as pq

    from shoutu.io.columnar import local_times, read_arrow

    def check(field_name: str, name: str, columns: Sequence[str]) -> None:
        for need in spec.required.get(field_name, ()):
            if not any(c in columns for c in need):
                raise InputError.single(
                    name, f"needs a column {' or '.join(need)}", parameter=field_name
                )

    def convert(field_name: str, target: str, path: Path) -> Path:
        if not path.exists():
            raise InputError.single(str(path), "file not found", parameter=field_name)
        if path.is_dir():
            raise InputError.single(
                str(path), "a folder, not a Parquet or CSV file", parameter=field_name
            )
        if path.suffix.lower() != ".csv":
            check(field_name, str(path), pq.read_schema(path).names)
            return path
        table = read_arrow(path)
        check(field_name, str(path), table.column_names)
        converted = folder / f"{target}.parquet"
        pq.write_table(local_times(table, path, spec.times, timezone), converted)
        return converted

    changed: dict[str, Any] = {}
    for name, value in vars(files).items():
        if isinstance(value, pa.Table):
            check(name, f"{name} table", value.column_names)
        elif isinstance(value, Path):
            changed[name] = convert(name, name, value)
        elif isinstance(value, tuple):
            changed[name] = tuple(convert(name, f"{name}_{i}", p) for i, p in enumerate(value))
    return replace(files, **changed)  # type: ignore[type-var]


@contextmanager
def query_session(
    name: str,
    files: F,
    spec: InputSpec,
    timezone: str,
    options: EngineOptions | None = None,
) -> Iterator[tuple[QueryEngine, F]]:
    """An engine by name over the inputs (checked, CSV converted to Parquet), closed after."""
    with tempfile.TemporaryDirectory(prefix="shoutu-query-") as tmp:
        inputs = prepare_inputs(files, Path(tmp), spec, timezone)
        engine = open_engine(name, options, timezone=timezone)
        try:
            yield engine, inputs
        finally:
            engine.close()


def open_engine(name: str, options: EngineOptions | None = None, *, timezone: str) -> QueryEngine:
    """An engine by name; naive timestamps of the inputs it loads are local time in
    ``timezone``."""
    options = options or EngineOptions()
    if name == "duckdb":
        return DuckDBEngine(options.duckdb_memory_limit, timezone=timezone)
    if name == "spark":
        return SparkEngine(options.spark_master, timezone=timezone)
    raise BadRequest(f"unknown {{engine}} {name!r}; choose one of {', '.join(ENGINES)}")


__all__ = [
    "ENGINES",
    "Columns",
    "DuckDBEngine",
    "EngineOptions",
    "InputSpec",
    "Overlap",
    "QueryEngine",
    "Source",
    "SparkEngine",
    "input_view",
    "local_offsets",
    "open_engine",
    "prepare_inputs",
    "query_session",
]
