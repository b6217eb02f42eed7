from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="RegisterIn")


@_attrs_define
class RegisterIn:
    """
    Attributes:
        phone (str):
        password (str):
        real_name (str):
        id_number (str):
    """

    phone: str
    password: str
    real_name: str
    id_number: str

    def to_dict(self) -> dict[str, Any]:
        phone = self.phone

        password = self.password

        real_name = self.real_name

        id_number = self.id_number

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "phone": phone,
                "password": password,
                "real_name": real_name,
                "id_number": id_number,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        phone = d.pop("phone")

        password = d.pop("password")

        real_name = d.pop("real_name")

        id_number = d.pop("id_number")

        register_in = cls(
            phone=phone,
            password=password,
            real_name=real_name,
            id_number=id_number,
        )

        return register_in
