"""Text people type and other people read: one normal form, something visible, and no
characters that make a reader see other than what is stored.

Free text (reasons, branches, lost-mode messages, relations, merchant and key names) is
NFKC-normalised, so look-alike compatibility forms (full-width letters, ligatures) are
stored as the plain characters an agent would type when searching for them. Real names
are NFC only: NFKC would change a name's characters (e.g. a full-width digit or a
compatibility ideograph), and a name is compared with what its owner types later.

Refused everywhere: bidirectional controls (a right-to-left override makes "lost
phone" read backwards in an agent's console or on the lost phone's lock screen) and text
with no visible character (a reason of zero-width spaces records nothing).

Used by the request models (``http/schema.py``) and by the services, which the CLI and
tests call directly.
"""

from __future__ import annotations

import unicodedata

from walletguard.errors import InvalidInput

# The longest each kind of text may be (characters, after normalisation). The request
# models (http/schema.py) and the services that clean the same fields both read these,
# so a body the API document admits is never refused for its length later.
TEXT_MAX = 500  # a reason, a lost-mode message
NAME_MAX = 200  # a merchant's name, a bank branch
LABEL_MAX = 40  # a merchant category, a trusted contact's relation
PERSON_NAME_MAX = 100  # a person's legal name
KEY_NAME_MAX = 100  # an API key's name (only the CLI makes keys)

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\u200e\u200f\u061c"  # LRM RLM ALM
)
# Letters and symbols by category that nevertheless render as nothing: Hangul fillers,
# the braille blank, the combining grapheme joiner. Names made of them pass as "filled".
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")
# Tab and line breaks are ordinary in a message; every other C0/C1 control is not.
_TEXT_WHITESPACE = frozenset("\t\n\r")


class TextRefused(ValueError):
    """Why a text was refused, phrased to follow the field's name ("reason must …")."""


def is_visible(char: str) -> bool:
    """Whether ``char`` draws something: not a control, format character, separator,
    unassigned or private-use code point, combining mark on its own, or blank glyph."""
    if char in _BLANK_GLYPHS:
        return False
    category = unicodedata.category(char)
    return category[0] not in "CZ" and category not in ("Mn", "Me")


def _checked(value: str, *, max_length: int, controls_allowed: frozenset[str]) -> str:
    value = value.strip()
    if any(char in BIDI_CONTROLS for char in value):
        raise TextRefused("must not contain bidirectional control characters")
    if any(unicodedata.category(char) == "Cc" and char not in controls_allowed
           for char in value):
        raise TextRefused("must not contain control characters")
    if not any(is_visible(char) for char in value):
        raise TextRefused("must contain at least one visible character")
    if len(value) > max_length:
        raise TextRefused(f"must be at most {max_length} characters")
    return value


def clean_text(value: str, *, max_length: int) -> str:
    """Free text in NFKC, stripped, or :class:`TextRefused`."""
    return _checked(unicodedata.normalize("NFKC", value), max_length=max_length,
                    controls_allowed=_TEXT_WHITESPACE)


def clean_name(value: str, *, max_length: int) -> str:
    """A single-line name in NFC, stripped, or :class:`TextRefused`."""
    return _checked(unicodedata.normalize("NFC", value), max_length=max_length,
                    controls_allowed=frozenset())


def free_text(value: str, *, field: str, max_length: int) -> str:
    """:func:`clean_text` for a service: a refusal is ``invalid_input`` naming ``field``."""
    try:
        return clean_text(value, max_length=max_length)
    except TextRefused as exc:
        raise InvalidInput(f"{field} {exc}", field=field) from None


def person_name(value: str, *, field: str, max_length: int) -> str:
    """:func:`clean_name` for a service: a refusal is ``invalid_input`` naming ``field``."""
    try:
        return clean_name(value, max_length=max_length)
    except TextRefused as exc:
        raise InvalidInput(f"{field} {exc}", field=field) from None


def same_name(a: str, b: str) -> bool:
    """Whether two spellings are the same name: equal once both are NFC and stripped
    (rows stored before names were normalised may be NFD)."""
    return unicodedata.normalize("NFC", a).strip() == unicodedata.normalize("NFC", b).strip()


def visible_only(value: str) -> str:
    """``value`` without the characters that draw nothing: safe to show in a mask."""
    return "".join(char for char in value if is_visible(char) or char == " ")
