"""Encryption and keyed hashes of personal data."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoutu.store.crypto import (
    Keyring,
    KeyringError,
    create_key_file,
    encode_master,
    load_keyring,
)

RING = Keyring.from_master(bytes(range(32)))


@given(st.text(max_size=64))
def test_round_trip(value: str) -> None:
    assert RING.decrypt("person.phone", RING.encrypt("person.phone", value)) == value


def test_ciphertexts_are_fresh_and_hide_the_value() -> None:
    a = RING.encrypt("person.id_number", "11010519491231002X")
    b = RING.encrypt("person.id_number", "11010519491231002X")
    assert a != b
    assert b"11010519491231002X" not in a


def test_ciphertext_is_bound_to_its_field_and_key() -> None:
    sealed = RING.encrypt("person.id_number", "11010519491231002X")
    with pytest.raises(KeyringError, match="does not open"):
        RING.decrypt("person.phone", sealed)
    other = Keyring.from_master(os.urandom(32))
    with pytest.raises(KeyringError, match="does not open"):
        other.decrypt("person.id_number", sealed)


def test_keyed_hash_is_deterministic_and_keyed() -> None:
    h1 = RING.keyed_hash("person.phone", "13800138000")
    assert h1 == RING.keyed_hash("person.phone", "13800138000")
    assert h1 != RING.keyed_hash("person.phone", "13800138001")
    assert h1 != Keyring.from_master(os.urandom(32)).keyed_hash("person.phone", "13800138000")
    assert len(h1) == 64


def test_key_file_created_private_once(tmp_path: Path) -> None:
    path = tmp_path / "k" / "shoutu.key"
    assert create_key_file(path) is True
    first = path.read_text()
    assert create_key_file(path) is False
    assert path.read_text() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ring = load_keyring(key=None, key_file=path)
    assert ring.decrypt("f", ring.encrypt("f", "x")) == "x"


def test_key_from_environment_wins(tmp_path: Path) -> None:
    text = encode_master(bytes(range(32)))
    ring = load_keyring(key=text, key_file=tmp_path / "absent.key")
    assert ring == RING


def test_missing_or_bad_key_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="shoutu init"):
        load_keyring(key=None, key_file=tmp_path / "absent.key")
    with pytest.raises(KeyringError, match="32 bytes"):
        load_keyring(key="c2hvcnQ=", key_file=tmp_path / "absent.key")
