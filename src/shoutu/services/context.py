"""The service context: settings, the database engine, the keyring, protocols and the actor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, Engine

from shoutu.protocols import Protocol, ProtocolRegistry
from shoutu.protocols.loader import protocol_hash
from shoutu.settings import Settings, get_settings
from shoutu.store import db
from shoutu.store.crypto import Keyring, create_key_file, load_keyring


@dataclass
class ServiceContext:
    """Everything a use case needs. Build with :func:`open_context`."""

    settings: Settings
    engine: Engine
    actor: str
    _keyring: Keyring | None = field(default=None, repr=False)

    def audit_event(
        self,
        action: Any,
        entity: str,
        entity_id: Any,
        before: Any = None,
        after: Any = None,
        detail: str | None = None,
        at: dt.datetime | None = None,
    ) -> dict[str, Any]:
        """One audit event by this context's actor, for ``audit.append``."""
        from shoutu.domain.timeutil import utcnow

        return {
            "at": at or utcnow(),
            "actor": self.actor,
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "before": before,
            "after": after,
            "detail": detail,
        }

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
    def transaction(self) -> Iterator[Connection]:
        """One all-or-nothing unit of work."""
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()


def init_store(settings: Settings) -> tuple[bool, str | None]:
    """Create the key file (unless a key is configured) and migrate the database.

    Returns (key file created, schema revision).
    """
    created = False if settings.key else create_key_file(settings.key_file)
    engine = db.make_engine(settings.database_url)
    try:
        db.upgrade(engine)
        return created, db.current_revision(engine)
    finally:
        engine.dispose()


def open_context(settings: Settings | None = None, *, migrate: bool = True) -> ServiceContext:
    """Open the store named by the settings, bringing its schema up to date."""
    settings = settings or get_settings()
    engine = db.make_engine(settings.database_url)
    if migrate:
        db.upgrade(engine)
    return ServiceContext(settings=settings, engine=engine, actor=settings.user)
