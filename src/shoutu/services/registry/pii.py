"""Personal identifiers at rest: the encrypted fields' names (their associated data) and the
keyed hashes that find a person by identifier without decrypting anyone."""

from __future__ import annotations

from shoutu.domain.vocabulary import IdType
from shoutu.store.crypto import ID_FIELD, PHONE_FIELD, Keyring


def id_hash(keyring: Keyring, id_type: IdType, number: str) -> str:
    """The keyed hash that finds a person by identifier (type and number)."""
    return keyring.keyed_hash(ID_FIELD, f"{id_type.value}:{number}")


def phone_hash(keyring: Keyring, phone: str) -> str:
    return keyring.keyed_hash(PHONE_FIELD, phone)


__all__ = ["ID_FIELD", "PHONE_FIELD", "id_hash", "phone_hash"]
