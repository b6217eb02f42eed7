from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PinIn")


@_attrs_define
class PinIn:
    """
    Attributes:
        pin (str):
        current_pin (None | str | Unset):
    """

    pin: str
    current_pin: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        pin = self.pin

        current_pin: None | str | Unset
        if isinstance(self.current_pin, Unset):
            current_pin = UNSET
        else:
            current_pin = self.current_pin

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "pin": pin,
            }
        )
        if current_pin is not UNSET:
            field_dict["current_pin"] = current_pin

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        pin = d.pop("pin")

        def _parse_current_pin(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        current_pin = _parse_current_pin(d.pop("current_pin", UNSET))

        pin_in = cls(
            pin=pin,
            current_pin=current_pin,
        )

        return pin_in
