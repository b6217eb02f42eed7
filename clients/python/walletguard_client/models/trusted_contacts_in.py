from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.contact_in import ContactIn


T = TypeVar("T", bound="TrustedContactsIn")


@_attrs_define
class TrustedContactsIn:
    """
    Attributes:
        contacts (list[ContactIn]):
        challenge_id (None | str | Unset): the step-up challenge a first attempt answered with, once met
    """

    contacts: list[ContactIn]
    challenge_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        contacts = []
        for contacts_item_data in self.contacts:
            contacts_item = contacts_item_data.to_dict()
            contacts.append(contacts_item)

        challenge_id: None | str | Unset
        if isinstance(self.challenge_id, Unset):
            challenge_id = UNSET
        else:
            challenge_id = self.challenge_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "contacts": contacts,
            }
        )
        if challenge_id is not UNSET:
            field_dict["challenge_id"] = challenge_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.contact_in import ContactIn  # noqa: PLC0415

        d = dict(src_dict)
        contacts = []
        _contacts = d.pop("contacts")
        for contacts_item_data in _contacts:
            contacts_item = ContactIn.from_dict(contacts_item_data)

            contacts.append(contacts_item)

        def _parse_challenge_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        challenge_id = _parse_challenge_id(d.pop("challenge_id", UNSET))

        trusted_contacts_in = cls(
            contacts=contacts,
            challenge_id=challenge_id,
        )

        return trusted_contacts_in
