"""Engines and schema migrations for the operational store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from shoutu.errors import Conflict, StoreUnavailable

MIGRATIONS = Path(__file__).with_name("migrations")
BACKENDS = ("sqlite", "postgresql")
#: how long a writer waits for SQLite's write lock before the store counts as busy (default)
BUSY_TIMEOUT_SECONDS = 10.0
#: the page size of a new SQLite store (an existing one keeps its own)
PAGE_SIZE = 16384
#: execution option that marks a connection as a writer (SQLite: BEGIN IMMEDIATE)
WRITER = "shoutu_writer"


def _sqlite_pragmas(busy_timeout: float) -> Any:
    def connect(dbapi_connection: Any, _record: Any) -> None:
        # transactions are begun by _sqlite_begin, not by the driver, so that a writer takes
        # the write lock at BEGIN (and waits for it there) instead of failing on a later write
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # a new store's pages (a store's first write fixes them; before WAL mode, which fixes
        # them too): audit events and tasks are appended by the hundred thousand, and 16 KiB
        # pages write them with a quarter of the page splits and headers (a 10-million-person
        # import of contacts: 1.7 s less)
        cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
        _cache_pragmas(cursor)
        cursor.close()

    return connect


def _cache_pragmas(cursor: Any) -> None:
    # city-scale tables outgrow SQLite's default 2 MB page cache: 64 MB, and mmap for reads
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.execute("PRAGMA temp_store=MEMORY")


def _sqlite_begin(conn: Connection) -> None:
    """Writers take SQLite's write lock at BEGIN (waiting up to the busy timeout); readers
    begin deferred, so they never wait on writers (WAL)."""
    mode = "IMMEDIATE" if conn.get_execution_options().get(WRITER) else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode, foreign keys and a busy timeout
    (seconds a writer waits for the write lock) on every connection, PostgreSQL sessions no
    JIT. An unsupported or
    malformed URL is StoreUnavailable."""
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    if backend not in BACKENDS:
        raise StoreUnavailable(
            f"unsupported database {backend!r}: shoutu runs on {' or '.join(BACKENDS)}"
        )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # JIT off: the store's queries are short (pages, keyed reads); PostgreSQL's JIT spent
    # 120 ms compiling a 2 ms case list at 1,000,000 cases (benchmarks/web_load.py)
    engine = create_engine(parsed, pool_pre_ping=True)
    event.listen(engine, "connect", _postgresql_no_jit)
    return engine


def _postgresql_no_jit(dbapi_connection: Any, _record: Any) -> None:
    """``SET jit = off`` on each new connection (options in the URL stay as they are)."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.autocommit = autocommit


def describe(url: str) -> str:
    """The URL without its password, to name a database in a message."""
    return str(parse_url(url).render_as_string(hide_password=True))


def parse_url(url: str) -> Any:
    """The parsed URL; a malformed one is StoreUnavailable."""
    try:
        return make_url(url)
    except exc.ArgumentError:
        raise StoreUnavailable(
            "the database URL cannot be read (e.g. sqlite:///shoutu.db or "
            "postgresql+psycopg://user@host/db)"
        ) from None


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for other backends and in-memory databases)."""
    parsed = parse_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


@contextmanager
def store_errors() -> Iterator[None]:
    """The database layer's failures as StoreUnavailable, in one line without SQL or its
    parameters: a server that cannot be reached, a lock held past the busy timeout."""
    try:
        yield
    except exc.OperationalError as error:
        text = _first_line(error)
        if "locked" in text or "busy" in text:
            raise StoreUnavailable(
                "the store is busy (another writer holds it past the timeout); nothing was "
                "written, retry"
            ) from None
        if any(word in text.lower() for word in ("connect", "server", "unable to open")):
            raise StoreUnavailable(f"cannot reach the database: {text}") from None
        if "readonly" in text or "read-only" in text:
            raise StoreUnavailable(
                f"the store cannot be written (read-only file or folder): {text}"
            ) from None
        if "disk is full" in text or "No space left" in text:
            raise StoreUnavailable("the disk is full; nothing was written") from None
        raise
    except exc.InterfaceError as error:
        raise StoreUnavailable(f"cannot reach the database: {_first_line(error)}") from None
    except exc.IntegrityError as error:  # a clash with stored rows: name the rule, not the data
        raise Conflict(f"the write clashes with the stored data: {_first_line(error)}") from None
    except exc.DatabaseError as error:
        text = _first_line(error)
        if "not a database" in text:
            raise StoreUnavailable(
                f"the file is not a shoutu store (not an SQLite database): {text}; check --db "
                "and SHOUTU_DATABASE_URL"
            ) from None
        raise


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (creates all tables on an empty database); a store
    at the head already is left alone (no migration environment, no foreign key check), and
    one whose schema is newer than this shoutu's migrations is StoreUnavailable."""
    current = current_revision(engine)
    if revision == "head" and current == head_revision():
        return
    if current is not None and current not in known_revisions():
        raise StoreUnavailable(
            f"the store's schema (revision {current}) is newer than this shoutu knows; "
            "upgrade shoutu to use it (nothing was changed)"
        )
    command.upgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(_alembic_config(create_engine("sqlite://")))
    return frozenset(r.revision for r in script.walk_revisions())


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    return ScriptDirectory.from_config(
        _alembic_config(create_engine("sqlite://"))
    ).get_current_head()
