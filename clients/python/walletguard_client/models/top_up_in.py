from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="TopUpIn")


@_attrs_define
class TopUpIn:
    """
    Attributes:
        user_id (str):
        amount (int): minor units (fen)
    """

    user_id: str
    amount: int

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        amount = self.amount

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "user_id": user_id,
                "amount": amount,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        user_id = d.pop("user_id")

        amount = d.pop("amount")

        top_up_in = cls(
            user_id=user_id,
            amount=amount,
        )

        return top_up_in
