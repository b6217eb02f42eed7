from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CompleteIn")


@_attrs_define
class CompleteIn:
    """
    Attributes:
        new_pin (None | str | Unset):
    """

    new_pin: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        new_pin: None | str | Unset
        if isinstance(self.new_pin, Unset):
            new_pin = UNSET
        else:
            new_pin = self.new_pin

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if new_pin is not UNSET:
            field_dict["new_pin"] = new_pin

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_new_pin(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        new_pin = _parse_new_pin(d.pop("new_pin", UNSET))

        complete_in = cls(
            new_pin=new_pin,
        )

        return complete_in
