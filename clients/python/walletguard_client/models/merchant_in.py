from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="MerchantIn")


@_attrs_define
class MerchantIn:
    """
    Attributes:
        name (str):
        category (str):
    """

    name: str
    category: str

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        category = self.category

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "category": category,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        category = d.pop("category")

        merchant_in = cls(
            name=name,
            category=category,
        )

        return merchant_in
