"""Query engines for SQL over Parquet files and Arrow tables: DuckDB (embedded, the default)
and Apache Spark (``pyspark`` local mode, or a cluster the session is pointed at).

A query is written once, in DuckDB's dialect restricted to what both engines share; Spark gets
it through sqlglot. Times are handled as integer microseconds since the epoch inside queries
(``UNIX_MICROS(CAST(x AS TIMESTAMPTZ))``, native in Spark and a macro in DuckDB), so that
both engines compute exactly the same numbers whatever their time-zone rules; callers turn them
back into timestamps at the edge. Row order is not part of a result: callers sort.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pyarrow as pa

from shoutu.errors import BadRequest, InputError

F = TypeVar("F")

ENGINES = ("duckdb", "spark")
#: a query input: a Parquet (or CSV) file, several Parquet files, or a table in memory
Source = Path | tuple[Path, ...] | pa.Table


@dataclass(frozen=True)
class EngineOptions:
    duckdb_memory_limit: str = "4GB"  # DuckDB spills to disk beyond it
    spark_master: str = "local[*]"


class QueryEngine(Protocol):
    name: str

    def load(self, name: str, source: tuple[Path, ...] | pa.Table) -> list[str]:
        """Register Parquet files or an Arrow table as a view ``name``; returns its column
        names."""

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

    def __init__(self, memory_limit: str = EngineOptions.duckdb_memory_limit) -> None:
        import duckdb

        self._con = duckdb.connect()
        self._con.execute(f"SET memory_limit = '{memory_limit}'")
        self._con.execute("SET TimeZone = 'UTC'")
        self._con.execute("CREATE MACRO unix_micros(x) AS epoch_us(x)")

    def load(self, name: str, source: tuple[Path, ...] | pa.Table) -> list[str]:
        if isinstance(source, pa.Table):
            self._con.register(name, source)
            return list(source.column_names)
        _check(source)
        files = ", ".join(f"'{p}'" for p in source)
        self._con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{files}])")
        return [str(row[0]) for row in self._con.execute(f"DESCRIBE {name}").fetchall()]

    def view(self, name: str, sql: str) -> None:
        self._con.execute(f"CREATE VIEW {name} AS {sql}")

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

    def __init__(self, master: str = EngineOptions.spark_master) -> None:
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

    def load(self, name: str, source: tuple[Path, ...] | pa.Table) -> list[str]:
        if isinstance(source, pa.Table):
            frame = self._spark.createDataFrame(source)
        else:
            frame = self._spark.read.parquet(*[str(p) for p in source])
        frame.createOrReplaceTempView(name)
        return [str(c) for c in frame.columns]

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
        engine = open_engine(name, options)
        try:
            yield engine, inputs
        finally:
            engine.close()


def open_engine(name: str, options: EngineOptions | None = None) -> QueryEngine:
    options = options or EngineOptions()
    if name == "duckdb":
        return DuckDBEngine(options.duckdb_memory_limit)
    if name == "spark":
        return SparkEngine(options.spark_master)
    raise BadRequest(f"unknown {{engine}} {name!r}; choose one of {', '.join(ENGINES)}")


__all__ = [
    "ENGINES",
    "DuckDBEngine",
    "EngineOptions",
    "InputSpec",
    "QueryEngine",
    "Source",
    "SparkEngine",
    "open_engine",
    "prepare_inputs",
    "query_session",
]
