"""PII at rest and keyed digests.

PII is sealed with AES-256-GCM; the field name is the associated data, so a ciphertext
moved into another column fails to open. Lookups use a keyed blind index (HMAC-SHA-256
under a key derived apart from the encryption key), never the plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from argon2 import PasswordHasher
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from walletguard.errors import Unavailable

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


class PasswordHashing:
    """argon2id, at most ``concurrency`` hashes or verifies at once in this process.

    Each takes a core and ``memory_cost`` for most of a second: thirty-two parallel wrong
    logins made every request on the machine wait for CPU. A hash beyond the limit waits
    up to ``wait_seconds`` for a slot, then is refused with ``unavailable`` (503,
    Retry-After) rather than queueing without end.

    The HTTP edge reserves a slot (``try_reserve``) before the request opens its
    transaction, so a login waiting for its turn holds no database connection or lock;
    the hash then runs in the slot its request reserved."""

    def __init__(self, hasher: PasswordHasher, *, concurrency: int,
                 wait_seconds: float) -> None:
        self._hasher = hasher
        self._slots = threading.BoundedSemaphore(concurrency)
        self.wait_seconds = wait_seconds

    def hash(self, password: str) -> str:
        with self._slot():
            return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        """As ``PasswordHasher.verify``: True, or argon2's VerifyMismatchError."""
        with self._slot():
            return self._hasher.verify(stored, password)

    def busy(self) -> Unavailable:
        return Unavailable("too many passwords are being checked at once; retry shortly",
                           retry_after=self.wait_seconds)

    def try_reserve(self) -> Reservation | None:
        """A slot for the calling request, if one is free now (never waits)."""
        if not self._slots.acquire(blocking=False):
            return None
        reservation = Reservation(self)
        _RESERVED.set(reservation)
        return reservation

    def _release(self) -> None:
        self._slots.release()

    @contextmanager
    def _slot(self) -> Iterator[None]:
        reserved = _RESERVED.get()
        if reserved is not None and reserved.holds(self):
            yield
            return
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise self.busy()
        try:
            yield
        finally:
            self._slots.release()


class Reservation:
    """A slot of :class:`PasswordHashing` held for one request (its context and the
    threads it runs in), until ``release``."""

    def __init__(self, hashing: PasswordHashing) -> None:
        self._hashing: PasswordHashing | None = hashing

    def holds(self, hashing: PasswordHashing) -> bool:
        return self._hashing is hashing

    def release(self) -> None:
        if self._hashing is not None:
            self._hashing._release()
            self._hashing = None


# Set in the request's context by the edge; a thread running the request's use case
# copies that context, so its hash finds the reservation.
_RESERVED: ContextVar[Reservation | None] = ContextVar("walletguard_password_slot",
                                                       default=None)


class Keyring:
    """Everything secret a service may need, built once per process from settings."""

    def __init__(self, *, pii_key: bytes, pin_pepper: bytes, token_key: bytes,
                 passwords: PasswordHashing) -> None:
        self.vault = PiiVault(pii_key)
        self.pin_pepper = pin_pepper
        self.token_key = token_key
        self.passwords = passwords
        # Verified against when the account is unknown, so a miss costs what a hit costs.
        self.dummy_password_hash = passwords.hash("walletguard-timing-equaliser")

    def token_digest(self, token: str) -> str:
        return keyed_digest(self.token_key, token)
