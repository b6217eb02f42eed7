"""PII at rest and keyed digests.

PII is sealed with AES-256-GCM; the field name is the associated data, so a ciphertext
moved into another column fails to open. Lookups use a keyed blind index (HMAC-SHA-256
under a key derived apart from the encryption key), never the plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from argon2 import PasswordHasher
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE = 12
_VERSION = b"\x01"


def derive(key: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(key)


class PiiVault:
    def __init__(self, pii_key: bytes) -> None:
        self._aead = AESGCM(derive(pii_key, "walletguard pii encryption v1"))
        self._index_key = derive(pii_key, "walletguard pii blind index v1")

    def seal(self, field: str, plaintext: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), field.encode())

    def open(self, field: str, sealed: bytes) -> str:
        nonce, body = sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :]
        return self._aead.decrypt(nonce, body, field.encode()).decode()

    def blind_index(self, field: str, value: str) -> str:
        return hmac.new(self._index_key, f"{field}:{value}".encode(), hashlib.sha256).hexdigest()


def keyed_digest(key: bytes, value: str) -> str:
    """Digest of a high-entropy secret (token, API key) under a server key."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class Keyring:
    """Everything secret a service may need, built once per process from settings."""

    def __init__(self, *, pii_key: bytes, pin_pepper: bytes, token_key: bytes,
                 password_hasher: PasswordHasher) -> None:
        self.vault = PiiVault(pii_key)
        self.pin_pepper = pin_pepper
        self.token_key = token_key
        self.passwords = password_hasher
        # Verified against when the account is unknown, so a miss costs what a hit costs.
        self.dummy_password_hash = password_hasher.hash("walletguard-timing-equaliser")

    def token_digest(self, token: str) -> str:
        return keyed_digest(self.token_key, token)
