from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PasswordFreeIn")


@_attrs_define
class PasswordFreeIn:
    """
    Attributes:
        enabled (bool):
        per_payment_limit (int | None | Unset):
        daily_limit (int | None | Unset):
        pin (None | str | Unset): needed to turn password-free on or raise its limits
    """

    enabled: bool
    per_payment_limit: int | None | Unset = UNSET
    daily_limit: int | None | Unset = UNSET
    pin: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        enabled = self.enabled

        per_payment_limit: int | None | Unset
        if isinstance(self.per_payment_limit, Unset):
            per_payment_limit = UNSET
        else:
            per_payment_limit = self.per_payment_limit

        daily_limit: int | None | Unset
        if isinstance(self.daily_limit, Unset):
            daily_limit = UNSET
        else:
            daily_limit = self.daily_limit

        pin: None | str | Unset
        if isinstance(self.pin, Unset):
            pin = UNSET
        else:
            pin = self.pin

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "enabled": enabled,
            }
        )
        if per_payment_limit is not UNSET:
            field_dict["per_payment_limit"] = per_payment_limit
        if daily_limit is not UNSET:
            field_dict["daily_limit"] = daily_limit
        if pin is not UNSET:
            field_dict["pin"] = pin

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        enabled = d.pop("enabled")

        def _parse_per_payment_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        per_payment_limit = _parse_per_payment_limit(d.pop("per_payment_limit", UNSET))

        def _parse_daily_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        daily_limit = _parse_daily_limit(d.pop("daily_limit", UNSET))

        def _parse_pin(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pin = _parse_pin(d.pop("pin", UNSET))

        password_free_in = cls(
            enabled=enabled,
            per_payment_limit=per_payment_limit,
            daily_limit=daily_limit,
            pin=pin,
        )

        return password_free_in
