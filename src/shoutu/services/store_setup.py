"""Setting a store up: the database file and the event folder readable by their owner only,
the schema brought up to date, the key file made for a new store (never for one that holds
data) and the key's fingerprint recorded through the write path."""

from __future__ import annotations

import os

from sqlalchemy import Engine

from shoutu.errors import KeyringError
from shoutu.services.audit import writing
from shoutu.services.context import FINGERPRINT, open_context
from shoutu.settings import Settings
from shoutu.store import db
from shoutu.store.crypto import create_key_file, load_keyring
from shoutu.store.repositories import meta
from shoutu.store.repositories import people as people_repo


def init_store(settings: Settings) -> tuple[bool, str | None]:
    """Create or migrate the store (the database file and the event folder readable by their
    owner only) and, for a new store, its key file (unless a key is configured); the key's
    fingerprint is stored, or checked. A store that holds personal data never gets a new key.

    Returns (key file created, schema revision).
    """
    path = db.sqlite_path(settings.database_url)
    new_file = path is not None and not path.exists()
    with db.store_errors():
        engine = db.make_engine(settings.database_url, busy_timeout=settings.busy_timeout)
        try:
            created = False
            if not settings.key and not settings.key_file.exists():
                if _holds_personal_data(engine):
                    raise KeyringError(
                        f"the store holds personal data but its key file {settings.key_file} "
                        "is missing: restore it from its backup (or set SHOUTU_KEY); a new key "
                        "would not open the data"
                    )
                created = create_key_file(settings.key_file)
            db.upgrade(engine)
            revision = db.current_revision(engine)
        finally:
            engine.dispose()
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            part = path.with_name(path.name + suffix)
            if part.exists() and (new_file or suffix):
                os.chmod(part, 0o600)
    settings.event_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    context = open_context(settings)
    try:
        keyring = load_keyring(key=settings.key, key_file=settings.key_file)
        if context.check_key(keyring) is None:  # the store's key from now on
            with writing(context, detail="init") as unit:
                unit.put_meta(FINGERPRINT, keyring.fingerprint())
    finally:
        context.close()
    return created, revision


def _holds_personal_data(engine: Engine) -> bool:
    """Whether an existing store holds encrypted data (or a key fingerprint)."""
    if db.current_revision(engine) is None:
        return False
    from sqlalchemy import inspect

    with engine.connect() as conn:
        if "store_meta" in inspect(conn).get_table_names() and meta.get(conn, key=FINGERPRINT):
            return True
        return people_repo.a_ciphertext(conn) is not None


__all__ = ["init_store"]
