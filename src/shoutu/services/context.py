"""The service context: settings, the database engine, the keyring, protocols and the actor
(who is acting, with their rights and jurisdiction: the local operator at a terminal, a web
user in a request — :meth:`ServiceContext.acting_as`).

The engine opens (and the schema is brought up to date) on first use, so services over files
take a context too and never touch a database. Reads go through :meth:`ServiceContext.connect`
and writes through :meth:`ServiceContext.transaction` (on SQLite a writer takes the write lock
at BEGIN and waits up to the busy timeout); both turn the database layer's failures into
:class:`~shoutu.errors.StoreUnavailable`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property

from sqlalchemy import Connection, Engine

from shoutu.domain.access import Principal, operator
from shoutu.domain.timeutil import Window
from shoutu.errors import KeyringError, StoreUnavailable
from shoutu.protocols.loader import ProtocolRegistry, protocol_hash
from shoutu.protocols.schema import Protocol
from shoutu.settings import Settings, get_settings
from shoutu.store import db
from shoutu.store.crypto import (
    ID_FIELD,
    Keyring,
    key_file_warning,
    load_keyring,
)
from shoutu.store.repositories import meta
from shoutu.store.repositories import people as people_repo

FINGERPRINT = "key_fingerprint"


@dataclass
class ServiceContext:
    """Everything a use case needs. Build with :func:`open_context`."""

    settings: Settings
    actor: str
    migrate: bool = True
    #: things the person running this should know (e.g. a key file others can read)
    warnings: list[str] = field(default_factory=list)
    _engine: Engine | None = field(default=None, repr=False)
    _keyring: Keyring | None = field(default=None, repr=False)
    _principal: Principal | None = field(default=None, repr=False)
    #: the audit unit the reads of an ``audit.one_unit`` block share (an ``audit.Unit``)
    shared_reads: object | None = field(default=None, repr=False)
    #: the connection the reads of a :meth:`reads_together` block share
    _held: Connection | None = field(default=None, repr=False)

    @property
    def principal(self) -> Principal:
        """Who is acting: a web user, or the local operator (every right, the whole tree)."""
        return self._principal if self._principal is not None else operator(self.actor)

    def acting_as(self, principal: Principal) -> ServiceContext:
        """This context for another actor (a web request's user), sharing the open store and
        key; close only the context it came from."""
        return replace(
            self,
            actor=principal.name,
            _principal=principal,
            warnings=[],
            shared_reads=None,
            _held=None,
        )

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

    def plausible_window(self) -> Window:
        """The dates imported events may fall on (SHOUTU_PLAUSIBLE_DATES), as of today."""
        from shoutu.domain.timeutil import local_date, parse_window, utcnow

        today = local_date(utcnow(), self.settings.timezone)
        return parse_window(self.settings.plausible_dates, today)

    @cached_property
    def protocols(self) -> ProtocolRegistry:
        return ProtocolRegistry(self.settings.protocol_dir)

    def protocol(self, name: str | None = None) -> tuple[Protocol, str]:
        """The protocol ``name`` (default: the configured one) and its hash."""
        protocol = self.protocols.load(name or self.settings.protocol)
        return protocol, protocol_hash(protocol)

    @property
    def keyring(self) -> Keyring:
        """The key of this store's personal data, checked against the fingerprint the store
        keeps (a different key is refused: its ciphertexts would need two keys to read)."""
        if self._keyring is None:
            keyring = load_keyring(key=self.settings.key, key_file=self.settings.key_file)
            if not self.settings.key:
                warning = key_file_warning(self.settings.key_file)
                if warning:
                    self.warnings.append(warning)
            self.check_key(keyring)
            self._keyring = keyring
        return self._keyring

    def check_key(self, keyring: Keyring) -> str | None:
        """Refuse a key that is not the store's (a read: the key is often first needed inside
        a write); returns the store's key fingerprint, None for a store that has none yet."""
        with self.connect() as conn:
            stored = meta.get(conn, key=FINGERPRINT)
            if stored is not None and stored != keyring.fingerprint():
                raise KeyringError(
                    "this key is not the key of this store: its personal data was encrypted "
                    f"with another (fingerprint {stored[:8]}…, this key's "
                    f"{keyring.fingerprint()[:8]}…); restore the store's key "
                    "(SHOUTU_KEY_FILE or SHOUTU_KEY)"
                )
            if stored is None:
                sample = people_repo.a_ciphertext(conn)
                if sample is not None:
                    keyring.decrypt(ID_FIELD, sample)  # KeyringError when it does not open
        return stored

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A read-only unit (never waits on writers); inside :meth:`reads_together`, the
        block's connection."""
        if self._held is not None:
            yield self._held
            return
        with db.store_errors(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def reads_together(self) -> Iterator[None]:
        """The reads inside the block share one connection (a case page's dozen reads check
        out one, not twelve). Only for blocks that do not write: on SQLite the block reads
        the snapshot of its first read."""
        if self._held is not None:
            yield
            return
        with db.store_errors(), self.engine.connect() as conn:
            self._held = conn
            try:
                yield
            finally:
                self._held = None

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


def open_context(settings: Settings | None = None, *, migrate: bool = True) -> ServiceContext:
    """A context over the store named by the settings (opened on first use)."""
    settings = settings or get_settings()
    return ServiceContext(settings=settings, actor=settings.user, migrate=migrate)
