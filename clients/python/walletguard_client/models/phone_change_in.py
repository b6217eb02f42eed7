from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PhoneChangeIn")


@_attrs_define
class PhoneChangeIn:
    """
    Attributes:
        phone (str):
        challenge_id (None | str | Unset): the step-up challenge a first attempt answered with, once met
    """

    phone: str
    challenge_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        phone = self.phone

        challenge_id: None | str | Unset
        if isinstance(self.challenge_id, Unset):
            challenge_id = UNSET
        else:
            challenge_id = self.challenge_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "phone": phone,
            }
        )
        if challenge_id is not UNSET:
            field_dict["challenge_id"] = challenge_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        phone = d.pop("phone")

        def _parse_challenge_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        challenge_id = _parse_challenge_id(d.pop("challenge_id", UNSET))

        phone_change_in = cls(
            phone=phone,
            challenge_id=challenge_id,
        )

        return phone_change_in
