from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.verification_in_channel import VerificationInChannel
from ..types import UNSET, Unset

T = TypeVar("T", bound="VerificationIn")


@_attrs_define
class VerificationIn:
    """
    Attributes:
        channel (VerificationInChannel):
        card_number (None | str | Unset):
        otp (None | str | Unset):
        document_image (None | str | Unset):
        selfie_image (None | str | Unset):
    """

    channel: VerificationInChannel
    card_number: None | str | Unset = UNSET
    otp: None | str | Unset = UNSET
    document_image: None | str | Unset = UNSET
    selfie_image: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        channel = self.channel.value

        card_number: None | str | Unset
        if isinstance(self.card_number, Unset):
            card_number = UNSET
        else:
            card_number = self.card_number

        otp: None | str | Unset
        if isinstance(self.otp, Unset):
            otp = UNSET
        else:
            otp = self.otp

        document_image: None | str | Unset
        if isinstance(self.document_image, Unset):
            document_image = UNSET
        else:
            document_image = self.document_image

        selfie_image: None | str | Unset
        if isinstance(self.selfie_image, Unset):
            selfie_image = UNSET
        else:
            selfie_image = self.selfie_image

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "channel": channel,
            }
        )
        if card_number is not UNSET:
            field_dict["card_number"] = card_number
        if otp is not UNSET:
            field_dict["otp"] = otp
        if document_image is not UNSET:
            field_dict["document_image"] = document_image
        if selfie_image is not UNSET:
            field_dict["selfie_image"] = selfie_image

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = VerificationInChannel(d.pop("channel"))

        def _parse_card_number(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        card_number = _parse_card_number(d.pop("card_number", UNSET))

        def _parse_otp(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        otp = _parse_otp(d.pop("otp", UNSET))

        def _parse_document_image(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        document_image = _parse_document_image(d.pop("document_image", UNSET))

        def _parse_selfie_image(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        selfie_image = _parse_selfie_image(d.pop("selfie_image", UNSET))

        verification_in = cls(
            channel=channel,
            card_number=card_number,
            otp=otp,
            document_image=document_image,
            selfie_image=selfie_image,
        )

        return verification_in
