from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LimitsIn")


@_attrs_define
class LimitsIn:
    """
    Attributes:
        daily_limit (int):
        pin (None | str | Unset): needed when raising the limit
    """

    daily_limit: int
    pin: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        daily_limit = self.daily_limit

        pin: None | str | Unset
        if isinstance(self.pin, Unset):
            pin = UNSET
        else:
            pin = self.pin

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "daily_limit": daily_limit,
            }
        )
        if pin is not UNSET:
            field_dict["pin"] = pin

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        daily_limit = d.pop("daily_limit")

        def _parse_pin(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pin = _parse_pin(d.pop("pin", UNSET))

        limits_in = cls(
            daily_limit=daily_limit,
            pin=pin,
        )

        return limits_in
