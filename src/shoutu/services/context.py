"""The service context: settings, the database engine, the keyring, protocols and the actor.

The engine opens (and the schema is brought up to date) on first use, so services over files
take a context too and never touch a database. Reads go through :meth:`ServiceContext.connect`
and writes through :meth:`ServiceContext.transaction` (on SQLite a writer takes the write lock
at BEGIN and waits up to the busy timeout); both turn the database layer's failures into
:class:`~shoutu.errors.StoreUnavailable`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Connection, Engine

from shoutu.errors import StoreUnavailable
from shoutu.protocols.loader import ProtocolRegistry, protocol_hash
from shoutu.protocols.schema import Protocol
from shoutu.settings import Settings, get_settings
from shoutu.store import db
from shoutu.store.crypto import Keyring, create_key_file, load_keyring


@dataclass
class ServiceContext:
    """Everything a use case needs. Build with :func:`open_context`."""

    settings: Settings
    actor: str
    migrate: bool = True
    _engine: Engine | None = field(default=None, repr=False)
    _keyring: Keyring | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        """The operational store's engine, opened on first use: the store must exist (made by
        ``shoutu init``, or the demo); an older schema is brought up to date."""
        if self._engine is None:
            url = self.settings.database_url
            path = db.sqlite_path(url)
            if path is not None and not path.exists():
                raise StoreUnavailable(
                    f"no store at {path}: run `shoutu init` to create one, or check --db and "
                    "SHOUTU_DATABASE_URL"
                )
            with db.store_errors():
                engine = db.make_engine(url, busy_timeout=self.settings.busy_timeout)
                try:
                    revision = db.current_revision(engine)
                    if revision is None:
                        raise StoreUnavailable(
                            f"the database at {db.describe(url)} holds no shoutu store: run "
                            "`shoutu init` to create one, or check --db and SHOUTU_DATABASE_URL"
                        )
                    if self.migrate and revision != db.head_revision():
                        db.upgrade(engine)
                except BaseException:
                    engine.dispose()
                    raise
            self._engine = engine
        return self._engine

    @property
    def opened(self) -> bool:
        """Whether the store has been opened."""
        return self._engine is not None

    @cached_property
    def protocols(self) -> ProtocolRegistry:
        return ProtocolRegistry(self.settings.protocol_dir)

    def protocol(self, name: str | None = None) -> tuple[Protocol, str]:
        """The protocol ``name`` (default: the configured one) and its hash."""
        protocol = self.protocols.load(name or self.settings.protocol)
        return protocol, protocol_hash(protocol)

    @property
    def keyring(self) -> Keyring:
        if self._keyring is None:
            self._keyring = load_keyring(key=self.settings.key, key_file=self.settings.key_file)
        return self._keyring

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A read-only unit (never waits on writers)."""
        with db.store_errors(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One all-or-nothing unit of work."""
        with db.store_errors(), self.engine.connect() as conn:
            conn.execution_options(**{db.WRITER: True})
            with conn.begin():
                yield conn

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def init_store(settings: Settings) -> tuple[bool, str | None]:
    """Create the key file (unless a key is configured) and migrate the database.

    Returns (key file created, schema revision).
    """
    created = False if settings.key else create_key_file(settings.key_file)
    with db.store_errors():
        engine = db.make_engine(settings.database_url, busy_timeout=settings.busy_timeout)
        try:
            db.upgrade(engine)
            return created, db.current_revision(engine)
        finally:
            engine.dispose()


def open_context(settings: Settings | None = None, *, migrate: bool = True) -> ServiceContext:
    """A context over the store named by the settings (opened on first use)."""
    settings = settings or get_settings()
    return ServiceContext(settings=settings, actor=settings.user, migrate=migrate)
