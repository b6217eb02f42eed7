"""Input rules for identity data: E.164 phones, Chinese resident ID numbers (GB 11643),
and NIST SP 800-63B passwords (length and a blocklist, no composition rules)."""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import lru_cache

import phonenumbers
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric
from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

from walletguard import text
from walletguard.errors import InvalidInput

PASSWORD_MIN = 8
PASSWORD_MAX = 128
CONTEXT_WORDS = ("walletguard", "wallet", "password", "支付")


def normalize_phone(raw: str, *, default_region: str = "CN") -> str:
    """Return the phone in E.164, or refuse it."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput("phone is not a phone number", field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("phone is not a valid number", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


EARLIEST_BIRTH = date(1890, 1, 1)


def normalize_resident_id(raw: str, *, today: date | None = None) -> str:
    """A valid 18-character resident ID (check digit, a real birth date that is neither
    in the future nor before 1890), upper-case X. The refusal never repeats the number."""
    try:
        number = str(ric.validate(raw.strip().upper()))
    except stdnum_errors.ValidationError as exc:
        raise InvalidInput(f"id_number is not a valid resident ID: {exc}",
                           field="id_number") from exc
    birth = birth_date_of(number)
    if birth < EARLIEST_BIRTH or (today is not None and birth > today):
        raise InvalidInput("id_number is not a valid resident ID: impossible birth date",
                           field="id_number")
    return number


def birth_date_of(resident_id: str) -> date:
    birth: date = ric.get_birth_date(resident_id)
    return birth


@lru_cache(maxsize=1)
def _blocklist() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password(password: str, *, context: tuple[str, ...] = ()) -> None:
    """NIST SP 800-63B §3.1.1.2: at least 8 characters, not a known common password,
    not built from the service name or the user's own identifiers."""
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(f"password must have at least {PASSWORD_MIN} characters",
                           field="password")
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(f"password must have at most {PASSWORD_MAX} characters",
                           field="password")
    lowered = password.lower()
    if lowered in _blocklist():
        raise InvalidInput("password is on the list of commonly used passwords",
                           field="password")
    for word in (*CONTEXT_WORDS, *context):
        if word and word.lower() in lowered and len(word) >= 4:
            raise InvalidInput("password must not contain the service name or your own details",
                               field="password")


def mask_phone(e164: str) -> str:
    return e164[:-8] + "****" + e164[-4:] if len(e164) > 8 else "****"


def mask_name(name: str) -> str:
    """The first visible character, then one star per further one. Characters that draw
    nothing (bidi overrides, zero-width spaces) are dropped first: a name stored before
    registration refused them must not reorder or hide what the owner is shown."""
    shown = text.visible_only(unicodedata.normalize("NFC", name)).strip()
    return shown[0] + "*" * (len(shown) - 1) if len(shown) > 1 else "*"
