"""The key (trust issue, item 12): the store keeps its key's fingerprint and refuses another
key; `init` never makes a new key for a store that holds personal data; the key file, the
database file and the event store are readable by their owner only; a key file others can
read is warned of."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from paths import DATA
from shoutu.cli.app import main
from shoutu.errors import KeyringError
from shoutu.services.context import open_context
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.registry.people import get_person
from shoutu.services.store_setup import init_store
from shoutu.settings import Settings, get_settings
from shoutu.store.crypto import create_key_file
from shoutu.store.tables import Person, table


def _settings(tmp_path: Path, key_file: str = "shoutu.key") -> Settings:
    return get_settings(
        database_url=f"sqlite:///{tmp_path / 'shoutu.db'}",
        key_file=tmp_path / key_file,
        event_dir=tmp_path / "events",
    )


def _load(settings: Settings) -> None:
    ctx = open_context(settings)
    try:
        for kind in ("regions", "places", "people"):
            import_file(ctx, kind, DATA / f"{kind}.csv")
    finally:
        ctx.close()


def test_another_key_is_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    init_store(settings)
    _load(settings)
    other = _settings(tmp_path, "other.key")
    create_key_file(other.key_file)
    ctx = open_context(other)
    try:
        with pytest.raises(KeyringError, match="this key is not the key of this store"):
            get_person(ctx, 1001)
        with ctx.connect() as conn:
            before = conn.execute(select(table(Person))).all()
        changed = tmp_path / "people.csv"  # a re-import would re-encrypt under the other key
        changed.write_text((DATA / "people.csv").read_text().replace("13800138000", "13900139000"))
        with pytest.raises(KeyringError, match="this key is not the key of this store"):
            import_file(ctx, "people", changed)
        with ctx.connect() as conn:
            assert conn.execute(select(table(Person))).all() == before  # nothing written
    finally:
        ctx.close()
    ctx = open_context(settings)
    try:
        assert get_person(ctx, 1001).person_id == 1001
    finally:
        ctx.close()


def test_a_store_with_data_never_gets_a_new_key(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    init_store(settings)
    _load(settings)
    settings.key_file.unlink()  # lost
    with pytest.raises(KeyringError, match="holds personal data but its key file"):
        init_store(settings)
    assert not settings.key_file.exists()
    ctx = open_context(settings)
    try:
        with pytest.raises(KeyringError, match="restore the file from its backup"):
            get_person(ctx, 1001)
    finally:
        ctx.close()


def test_a_legacy_store_gets_its_fingerprint_only_from_the_right_key(tmp_path: Path) -> None:
    """A store made before fingerprints: a key that does not open its data is refused; the one
    that does is recorded by `init` (which upgrades an old store)."""
    from shoutu.services.context import FINGERPRINT
    from shoutu.store.repositories import meta

    settings = _settings(tmp_path)
    init_store(settings)
    _load(settings)
    ctx = open_context(settings)
    with ctx.transaction() as conn:
        conn.execute(meta.TABLE.delete())
    ctx.close()
    other = _settings(tmp_path, "other.key")
    create_key_file(other.key_file)
    ctx = open_context(other)
    with pytest.raises(KeyringError, match="does not open"):
        ctx.keyring  # noqa: B018
    ctx.close()
    ctx = open_context(settings)
    try:
        assert get_person(ctx, 1001).person_id == 1001  # the right key reads
        with ctx.connect() as conn:
            assert meta.get(conn, key=FINGERPRINT) is None
        init_store(settings)
        with ctx.connect() as conn:
            assert meta.get(conn, key=FINGERPRINT) == ctx.keyring.fingerprint()
    finally:
        ctx.close()


def test_files_are_the_owners_and_loose_keys_are_warned_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(tmp_path)
    init_store(settings)
    for path in (settings.key_file, tmp_path / "shoutu.db"):
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert settings.event_dir.stat().st_mode & 0o777 == 0o700
    os.chmod(settings.key_file, 0o644)
    monkeypatch.setenv("SHOUTU_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SHOUTU_KEY_FILE", str(settings.key_file))
    monkeypatch.setenv("SHOUTU_EVENT_DIR", str(settings.event_dir))
    _load(settings)
    with pytest.raises(SystemExit) as done:
        main(["people", "show", "1001"])
    assert done.value.code == 0
    assert (
        f"warning: the key file {settings.key_file} can be read by others (mode 644): "
        f"chmod 600 {settings.key_file}"
    ) in capsys.readouterr().err
