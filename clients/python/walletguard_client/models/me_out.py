from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.restriction_out import RestrictionOut


T = TypeVar("T", bound="MeOut")


@_attrs_define
class MeOut:
    """
    Attributes:
        id (str):
        phone_masked (str):
        name_masked (str):
        state (str):
        restrictions (list[RestrictionOut]):
    """

    id: str
    phone_masked: str
    name_masked: str
    state: str
    restrictions: list[RestrictionOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        phone_masked = self.phone_masked

        name_masked = self.name_masked

        state = self.state

        restrictions = []
        for restrictions_item_data in self.restrictions:
            restrictions_item = restrictions_item_data.to_dict()
            restrictions.append(restrictions_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "phone_masked": phone_masked,
                "name_masked": name_masked,
                "state": state,
                "restrictions": restrictions,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.restriction_out import RestrictionOut  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        phone_masked = d.pop("phone_masked")

        name_masked = d.pop("name_masked")

        state = d.pop("state")

        restrictions = []
        _restrictions = d.pop("restrictions")
        for restrictions_item_data in _restrictions:
            restrictions_item = RestrictionOut.from_dict(restrictions_item_data)

            restrictions.append(restrictions_item)

        me_out = cls(
            id=id,
            phone_masked=phone_masked,
            name_masked=name_masked,
            state=state,
            restrictions=restrictions,
        )

        me_out.additional_properties = d
        return me_out

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
