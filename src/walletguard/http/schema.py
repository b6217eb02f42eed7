"""Shared pydantic pieces: every request model forbids unknown fields and coerces
nothing (a string is not an amount)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


Amount = Annotated[int, Field(gt=0, le=10**11, description="minor units (fen)",
                              examples=[1250])]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Digits = Annotated[str, StringConstraints(min_length=1, max_length=12)]
