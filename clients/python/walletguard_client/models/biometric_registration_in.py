from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.biometric_registration_in_credential import BiometricRegistrationInCredential


T = TypeVar("T", bound="BiometricRegistrationIn")


@_attrs_define
class BiometricRegistrationIn:
    """
    Attributes:
        credential (BiometricRegistrationInCredential): the PublicKeyCredential as JSON
        pin (str): the payment PIN confirms the binding
    """

    credential: BiometricRegistrationInCredential
    pin: str

    def to_dict(self) -> dict[str, Any]:
        credential = self.credential.to_dict()

        pin = self.pin

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "credential": credential,
                "pin": pin,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.biometric_registration_in_credential import BiometricRegistrationInCredential  # noqa: PLC0415

        d = dict(src_dict)
        credential = BiometricRegistrationInCredential.from_dict(d.pop("credential"))

        pin = d.pop("pin")

        biometric_registration_in = cls(
            credential=credential,
            pin=pin,
        )

        return biometric_registration_in
