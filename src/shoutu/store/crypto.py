"""Encryption and keyed hashes for personal data at rest.

One 32-byte master key (key file or ``SHOUTU_KEY``) derives two keys with HKDF-SHA256: an
AES-256-GCM key that encrypts values (random 96-bit nonce, the field name as associated data,
so a ciphertext cannot be moved to another column), and an HMAC-SHA256 key for exact lookup
(``keyed_hash``) without decrypting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shoutu.errors import KeyringError

__all__ = [
    "ID_FIELD",
    "PHONE_FIELD",
    "Keyring",
    "KeyringError",
    "create_key_file",
    "key_file_warning",
    "load_keyring",
]

#: the encrypted fields (their names are the ciphertexts' associated data)
ID_FIELD = "person.id_number"
PHONE_FIELD = "person.phone"

_PREFIX = "shoutu-key-v1:"
_VERSION = b"\x01"
_NONCE = 12


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


@dataclass(frozen=True)
class Keyring:
    """Encrypts, decrypts and hashes personal data fields."""

    enc_key: bytes
    mac_key: bytes

    @classmethod
    def from_master(cls, master: bytes) -> Keyring:
        if len(master) != 32:
            raise KeyringError("the master key must be 32 bytes")
        return cls(_derive(master, b"shoutu/pii/aes-gcm"), _derive(master, b"shoutu/pii/hmac"))

    def encrypt(self, field: str, plaintext: str) -> bytes:
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self.enc_key).encrypt(nonce, plaintext.encode(), field.encode())
        return _VERSION + nonce + sealed

    def decrypt(self, field: str, blob: bytes) -> str:
        if not blob or blob[:1] != _VERSION:
            raise KeyringError(f"{field}: not a shoutu ciphertext")
        nonce, sealed = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
        try:
            return AESGCM(self.enc_key).decrypt(nonce, sealed, field.encode()).decode()
        except InvalidTag:
            raise KeyringError(f"{field}: the key does not open this value") from None

    def fingerprint(self) -> str:
        """Names the key without revealing it (a keyed hash of a fixed label): stored with the
        data, so that a different key is refused instead of writing a second key's
        ciphertexts into the same store."""
        return self.keyed_hash("shoutu.key", "fingerprint-v1")[:32]

    def keyed_hash(self, field: str, value: str) -> str:
        """Hex HMAC-SHA256 of the field name and the normalised value, for exact lookup."""
        message = field.encode() + b"\x00" + value.encode()
        return hmac.new(self.mac_key, message, hashlib.sha256).hexdigest()


def encode_master(master: bytes) -> str:
    return _PREFIX + base64.b64encode(master).decode()


def decode_master(text: str) -> bytes:
    body = text.strip()
    body = body.removeprefix(_PREFIX)
    try:
        master = base64.b64decode(body, validate=True)
    except ValueError:
        raise KeyringError("the key is not base64") from None
    if len(master) != 32:
        raise KeyringError("the key must decode to 32 bytes")
    return master


def create_key_file(path: Path) -> bool:
    """Write a new random key to ``path`` (mode 0600) unless it exists; True if created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(encode_master(os.urandom(32)) + "\n")
    return True


def load_keyring(*, key: str | None, key_file: Path) -> Keyring:
    """The keyring from ``key`` (base64) if given, else from ``key_file``."""
    if key:
        return Keyring.from_master(decode_master(key))
    if not key_file.exists():
        raise KeyringError(
            f"no key: {key_file} does not exist. A store that holds personal data needs the "
            "key it was made with: restore the file from its backup, or set SHOUTU_KEY or "
            "SHOUTU_KEY_FILE (`shoutu init` makes a new key only for a new store)"
        )
    return Keyring.from_master(decode_master(key_file.read_text()))


def key_file_warning(key_file: Path) -> str | None:
    """A warning when the key file can be read by others than its owner."""
    try:
        mode = key_file.stat().st_mode & 0o777
    except OSError:
        return None
    if mode & 0o077:
        return (
            f"the key file {key_file} can be read by others (mode {mode:o}): chmod 600 {key_file}"
        )
    return None
