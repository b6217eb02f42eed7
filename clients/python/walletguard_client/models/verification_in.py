from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.verification_in_channel import VerificationInChannel
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.verification_in_answers_type_0 import VerificationInAnswersType0
    from ..models.verification_in_assertion_type_0 import VerificationInAssertionType0


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
        answers (None | Unset | VerificationInAnswersType0): history_quiz: the answer to each question id
        assertion (None | Unset | VerificationInAssertionType0): device_biometric: the WebAuthn assertion
            (PublicKeyCredential JSON) answering the options the first step gave
        call_ref (None | str | Unset): hotline_voice: the hotline's reference of the verified call
    """

    channel: VerificationInChannel
    card_number: None | str | Unset = UNSET
    otp: None | str | Unset = UNSET
    document_image: None | str | Unset = UNSET
    selfie_image: None | str | Unset = UNSET
    answers: None | Unset | VerificationInAnswersType0 = UNSET
    assertion: None | Unset | VerificationInAssertionType0 = UNSET
    call_ref: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.verification_in_answers_type_0 import VerificationInAnswersType0  # noqa: PLC0415
        from ..models.verification_in_assertion_type_0 import VerificationInAssertionType0  # noqa: PLC0415

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

        answers: dict[str, Any] | None | Unset
        if isinstance(self.answers, Unset):
            answers = UNSET
        elif isinstance(self.answers, VerificationInAnswersType0):
            answers = self.answers.to_dict()
        else:
            answers = self.answers

        assertion: dict[str, Any] | None | Unset
        if isinstance(self.assertion, Unset):
            assertion = UNSET
        elif isinstance(self.assertion, VerificationInAssertionType0):
            assertion = self.assertion.to_dict()
        else:
            assertion = self.assertion

        call_ref: None | str | Unset
        if isinstance(self.call_ref, Unset):
            call_ref = UNSET
        else:
            call_ref = self.call_ref

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
        if answers is not UNSET:
            field_dict["answers"] = answers
        if assertion is not UNSET:
            field_dict["assertion"] = assertion
        if call_ref is not UNSET:
            field_dict["call_ref"] = call_ref

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.verification_in_answers_type_0 import VerificationInAnswersType0  # noqa: PLC0415
        from ..models.verification_in_assertion_type_0 import VerificationInAssertionType0  # noqa: PLC0415

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

        def _parse_answers(data: object) -> None | Unset | VerificationInAnswersType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                answers_type_0 = VerificationInAnswersType0.from_dict(data)

                return answers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | VerificationInAnswersType0, data)

        answers = _parse_answers(d.pop("answers", UNSET))

        def _parse_assertion(data: object) -> None | Unset | VerificationInAssertionType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                assertion_type_0 = VerificationInAssertionType0.from_dict(data)

                return assertion_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | VerificationInAssertionType0, data)

        assertion = _parse_assertion(d.pop("assertion", UNSET))

        def _parse_call_ref(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        call_ref = _parse_call_ref(d.pop("call_ref", UNSET))

        verification_in = cls(
            channel=channel,
            card_number=card_number,
            otp=otp,
            document_image=document_image,
            selfie_image=selfie_image,
            answers=answers,
            assertion=assertion,
            call_ref=call_ref,
        )

        return verification_in
