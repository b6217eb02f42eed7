from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="EmergencyCodeIn")


@_attrs_define
class EmergencyCodeIn:
    """
    Attributes:
        user_id (str):
        document_checked (bool): the owner's ID document was checked in person by the institution
        amount (int): minor units (fen)
    """

    user_id: str
    document_checked: bool
    amount: int

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        document_checked = self.document_checked

        amount = self.amount

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "user_id": user_id,
                "document_checked": document_checked,
                "amount": amount,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        user_id = d.pop("user_id")

        document_checked = d.pop("document_checked")

        amount = d.pop("amount")

        emergency_code_in = cls(
            user_id=user_id,
            document_checked=document_checked,
            amount=amount,
        )

        return emergency_code_in
