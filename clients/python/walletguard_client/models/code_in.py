from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="CodeIn")


@_attrs_define
class CodeIn:
    """
    Attributes:
        code (str):
        pin (str):
    """

    code: str
    pin: str

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        pin = self.pin

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "code": code,
                "pin": pin,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code")

        pin = d.pop("pin")

        code_in = cls(
            code=code,
            pin=pin,
        )

        return code_in
