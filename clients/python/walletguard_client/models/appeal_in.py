from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AppealIn")


@_attrs_define
class AppealIn:
    """
    Attributes:
        registered_month (None | str | Unset): the month the account was opened (YYYY-MM)
        device_names (list[str] | Unset): phones the wallet was used on
        counterparties (list[str] | Unset): shops paid recently
        amounts (list[int] | Unset): amounts of recent payments
        top_ups (list[int] | Unset): amounts of recent top-ups
    """

    registered_month: None | str | Unset = UNSET
    device_names: list[str] | Unset = UNSET
    counterparties: list[str] | Unset = UNSET
    amounts: list[int] | Unset = UNSET
    top_ups: list[int] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        registered_month: None | str | Unset
        if isinstance(self.registered_month, Unset):
            registered_month = UNSET
        else:
            registered_month = self.registered_month

        device_names: list[str] | Unset = UNSET
        if not isinstance(self.device_names, Unset):
            device_names = self.device_names

        counterparties: list[str] | Unset = UNSET
        if not isinstance(self.counterparties, Unset):
            counterparties = self.counterparties

        amounts: list[int] | Unset = UNSET
        if not isinstance(self.amounts, Unset):
            amounts = self.amounts

        top_ups: list[int] | Unset = UNSET
        if not isinstance(self.top_ups, Unset):
            top_ups = self.top_ups

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if registered_month is not UNSET:
            field_dict["registered_month"] = registered_month
        if device_names is not UNSET:
            field_dict["device_names"] = device_names
        if counterparties is not UNSET:
            field_dict["counterparties"] = counterparties
        if amounts is not UNSET:
            field_dict["amounts"] = amounts
        if top_ups is not UNSET:
            field_dict["top_ups"] = top_ups

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_registered_month(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        registered_month = _parse_registered_month(d.pop("registered_month", UNSET))

        device_names = cast(list[str], d.pop("device_names", UNSET))

        counterparties = cast(list[str], d.pop("counterparties", UNSET))

        amounts = cast(list[int], d.pop("amounts", UNSET))

        top_ups = cast(list[int], d.pop("top_ups", UNSET))

        appeal_in = cls(
            registered_month=registered_month,
            device_names=device_names,
            counterparties=counterparties,
            amounts=amounts,
            top_ups=top_ups,
        )

        return appeal_in
