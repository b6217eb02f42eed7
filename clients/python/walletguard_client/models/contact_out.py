from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ContactOut")


@_attrs_define
class ContactOut:
    """
    Attributes:
        user_id (str):
        phone_masked (str):
        name_masked (str):
        relation (str):
        added_at (str):
    """

    user_id: str
    phone_masked: str
    name_masked: str
    relation: str
    added_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        phone_masked = self.phone_masked

        name_masked = self.name_masked

        relation = self.relation

        added_at = self.added_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "phone_masked": phone_masked,
                "name_masked": name_masked,
                "relation": relation,
                "added_at": added_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        user_id = d.pop("user_id")

        phone_masked = d.pop("phone_masked")

        name_masked = d.pop("name_masked")

        relation = d.pop("relation")

        added_at = d.pop("added_at")

        contact_out = cls(
            user_id=user_id,
            phone_masked=phone_masked,
            name_masked=name_masked,
            relation=relation,
            added_at=added_at,
        )

        contact_out.additional_properties = d
        return contact_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
