from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="LostPhoneReportIn")


@_attrs_define
class LostPhoneReportIn:
    """
    Attributes:
        phone (str):
        real_name (str):
        id_number_last4 (str):
    """

    phone: str
    real_name: str
    id_number_last4: str

    def to_dict(self) -> dict[str, Any]:
        phone = self.phone

        real_name = self.real_name

        id_number_last4 = self.id_number_last4

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "phone": phone,
                "real_name": real_name,
                "id_number_last4": id_number_last4,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        phone = d.pop("phone")

        real_name = d.pop("real_name")

        id_number_last4 = d.pop("id_number_last4")

        lost_phone_report_in = cls(
            phone=phone,
            real_name=real_name,
            id_number_last4=id_number_last4,
        )

        return lost_phone_report_in
