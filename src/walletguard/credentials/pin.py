"""Payment PIN rules and hashing.

A PIN is stored as HMAC-SHA-256(pepper, salt ‖ user id ‖ PIN). The pepper lives in the
settings, never in the database, so a stolen database cannot be brute-forced offline
(10⁶ PINs are nothing against any slow hash once the key is known — the key is what
protects them; docs/security.md has the measured costs).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import date
from functools import lru_cache
from itertools import pairwise

from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

from walletguard.errors import InvalidInput

COMMON_PIN_RANK = 2000  # six-digit strings among the 2,000 most used passwords


def new_salt() -> bytes:
    return os.urandom(16)


def pin_digest(pepper: bytes, salt: bytes, user_id: str, pin: str) -> str:
    return hmac.new(pepper, salt + user_id.encode() + b"\x00" + pin.encode(),
                    hashlib.sha256).hexdigest()


def pin_matches(pepper: bytes, salt: bytes, user_id: str, pin: str, stored: str) -> bool:
    return hmac.compare_digest(pin_digest(pepper, salt, user_id, pin), stored)


@lru_cache(maxsize=1)
def _common_pins() -> frozenset[str]:
    top = FREQUENCY_LISTS["passwords"][:COMMON_PIN_RANK]
    return frozenset(p for p in top if p.isdigit())


def _is_run(pin: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}
    return steps in ({1}, {9})


def birthday_forms(birth: date) -> set[str]:
    y, m, d = f"{birth.year:04d}", f"{birth.month:02d}", f"{birth.day:02d}"
    return {y[2:] + m + d, m + d + y[2:], d + m + y[2:], y + m, m + y, m + d + y[:2],
            y[:2] + m + d, y[2:] + d + m}


def check_new_pin(pin: str, *, length: int, birth: date | None) -> None:
    """Refuse a PIN that a thief would try first."""
    if len(pin) != length or not pin.isascii() or not pin.isdigit():
        raise InvalidInput(f"the payment PIN must be exactly {length} digits", field="pin")
    if len(set(pin)) == 1:
        raise InvalidInput("the PIN must not repeat one digit", field="pin")
    if _is_run(pin):
        raise InvalidInput("the PIN must not be an ascending or descending run", field="pin")
    if birth is not None and pin in birthday_forms(birth):
        raise InvalidInput("the PIN must not be your birth date", field="pin")
    if pin in _common_pins():
        raise InvalidInput("this PIN is among the most common; choose another", field="pin")
