from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CommandOut")


@_attrs_define
class CommandOut:
    """
    Attributes:
        id (str):
        type_ (str):
        message (None | str):
        contact_number (None | str):
        created_at (str):
        delivered_at (None | str):
        acknowledged_at (None | str):
    """

    id: str
    type_: str
    message: None | str
    contact_number: None | str
    created_at: str
    delivered_at: None | str
    acknowledged_at: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        type_ = self.type_

        message: None | str
        message = self.message

        contact_number: None | str
        contact_number = self.contact_number

        created_at = self.created_at

        delivered_at: None | str
        delivered_at = self.delivered_at

        acknowledged_at: None | str
        acknowledged_at = self.acknowledged_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "type": type_,
                "message": message,
                "contact_number": contact_number,
                "created_at": created_at,
                "delivered_at": delivered_at,
                "acknowledged_at": acknowledged_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        type_ = d.pop("type")

        def _parse_message(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        message = _parse_message(d.pop("message"))

        def _parse_contact_number(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        contact_number = _parse_contact_number(d.pop("contact_number"))

        created_at = d.pop("created_at")

        def _parse_delivered_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        delivered_at = _parse_delivered_at(d.pop("delivered_at"))

        def _parse_acknowledged_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        acknowledged_at = _parse_acknowledged_at(d.pop("acknowledged_at"))

        command_out = cls(
            id=id,
            type_=type_,
            message=message,
            contact_number=contact_number,
            created_at=created_at,
            delivered_at=delivered_at,
            acknowledged_at=acknowledged_at,
        )

        command_out.additional_properties = d
        return command_out

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
