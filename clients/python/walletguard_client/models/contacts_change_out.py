from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.channel_change_out import ChannelChangeOut
    from ..models.contact_out import ContactOut


T = TypeVar("T", bound="ContactsChangeOut")


@_attrs_define
class ContactsChangeOut:
    """
    Attributes:
        contacts (list[ContactOut]): the contacts in force now (unchanged)
        pending_change (ChannelChangeOut):
    """

    contacts: list[ContactOut]
    pending_change: ChannelChangeOut
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        contacts = []
        for contacts_item_data in self.contacts:
            contacts_item = contacts_item_data.to_dict()
            contacts.append(contacts_item)

        pending_change = self.pending_change.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "contacts": contacts,
                "pending_change": pending_change,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.channel_change_out import ChannelChangeOut  # noqa: PLC0415
        from ..models.contact_out import ContactOut  # noqa: PLC0415

        d = dict(src_dict)
        contacts = []
        _contacts = d.pop("contacts")
        for contacts_item_data in _contacts:
            contacts_item = ContactOut.from_dict(contacts_item_data)

            contacts.append(contacts_item)

        pending_change = ChannelChangeOut.from_dict(d.pop("pending_change"))

        contacts_change_out = cls(
            contacts=contacts,
            pending_change=pending_change,
        )

        contacts_change_out.additional_properties = d
        return contacts_change_out

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
