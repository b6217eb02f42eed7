"""Shared pydantic pieces: every request model forbids unknown fields, coerces nothing
(a string is not an amount), and refuses what no column can hold faithfully — NUL and
other control characters in text (PostgreSQL refuses NUL outright) and non-finite
numbers (JSON has none) — anywhere in the body, free-form objects included."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from walletguard import text
from walletguard.payments.limits import MAX_AMOUNT

# C0 controls except tab, line feed and carriage return; DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_DEPTH = 32


def _unstorable(value: Any, path: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """The first (dotted path, problem) in ``value`` that cannot be stored, if any."""
    if len(path) > _MAX_DEPTH:
        return ".".join(path), "is nested too deeply"
    if isinstance(value, str):
        return (".".join(path), "must not contain control characters") \
            if _CONTROL.search(value) else None
    if isinstance(value, float):
        return None if math.isfinite(value) else (".".join(path), "must be a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _CONTROL.search(key):
                return ".".join((*path, key.encode("unicode_escape").decode())), \
                    "must not contain control characters in its keys"
            found = _unstorable(item, (*path, str(key)))
            if found:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _unstorable(item, (*path, str(index)))
            if found:
                return found
    return None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        found = _unstorable(data)
        if found is not None:
            field, problem = found
            raise PydanticCustomError("unstorable", "{where} {problem}",
                                      {"field": field, "where": field or "value",
                                       "problem": problem})
        return data


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


Amount = Annotated[int, Field(gt=0, le=MAX_AMOUNT, description="minor units (fen)",
                              examples=[1250])]


def _refusing(clean: Callable[..., str], max_length: int) -> AfterValidator:
    """A ``walletguard.text`` cleaner as a validator: its refusal becomes a 422 entry."""

    def check(value: str) -> str:
        try:
            return clean(value, max_length=max_length)
        except text.TextRefused as exc:
            raise PydanticCustomError("text", str(exc)) from None

    return AfterValidator(check)


def free_text(max_length: int) -> AfterValidator:
    """``text.clean_text`` as a validator: NFKC, something visible, no bidi controls."""
    return _refusing(text.clean_text, max_length)


def person_name(max_length: int) -> AfterValidator:
    """``text.clean_name`` as a validator: NFC, something visible, no controls."""
    return _refusing(text.clean_name, max_length)


Text = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True),
                 free_text(500)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
                 free_text(200)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True),
                  free_text(40)]
"""A short free-text label: a merchant category, a trusted contact's relation."""
RealName = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True),
                     person_name(100)]
"""A person's legal name, in NFC (compared later with what a reporter types)."""
