from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ContactIn")


@_attrs_define
class ContactIn:
    """
    Attributes:
        phone (str):
        relation (str):
    """

    phone: str
    relation: str

    def to_dict(self) -> dict[str, Any]:
        phone = self.phone

        relation = self.relation

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "phone": phone,
                "relation": relation,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        phone = d.pop("phone")

        relation = d.pop("relation")

        contact_in = cls(
            phone=phone,
            relation=relation,
        )

        return contact_in
