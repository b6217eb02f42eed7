from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.auth_in_method import AuthInMethod
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.auth_in_assertion_type_0 import AuthInAssertionType0


T = TypeVar("T", bound="AuthIn")


@_attrs_define
class AuthIn:
    """
    Attributes:
        method (AuthInMethod):
        pin (None | str | Unset):
        assertion (AuthInAssertionType0 | None | Unset):
        code (None | str | Unset):
    """

    method: AuthInMethod
    pin: None | str | Unset = UNSET
    assertion: AuthInAssertionType0 | None | Unset = UNSET
    code: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.auth_in_assertion_type_0 import AuthInAssertionType0  # noqa: PLC0415

        method = self.method.value

        pin: None | str | Unset
        if isinstance(self.pin, Unset):
            pin = UNSET
        else:
            pin = self.pin

        assertion: dict[str, Any] | None | Unset
        if isinstance(self.assertion, Unset):
            assertion = UNSET
        elif isinstance(self.assertion, AuthInAssertionType0):
            assertion = self.assertion.to_dict()
        else:
            assertion = self.assertion

        code: None | str | Unset
        if isinstance(self.code, Unset):
            code = UNSET
        else:
            code = self.code

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "method": method,
            }
        )
        if pin is not UNSET:
            field_dict["pin"] = pin
        if assertion is not UNSET:
            field_dict["assertion"] = assertion
        if code is not UNSET:
            field_dict["code"] = code

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.auth_in_assertion_type_0 import AuthInAssertionType0  # noqa: PLC0415

        d = dict(src_dict)
        method = AuthInMethod(d.pop("method"))

        def _parse_pin(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pin = _parse_pin(d.pop("pin", UNSET))

        def _parse_assertion(data: object) -> AuthInAssertionType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                assertion_type_0 = AuthInAssertionType0.from_dict(data)

                return assertion_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuthInAssertionType0 | None | Unset, data)

        assertion = _parse_assertion(d.pop("assertion", UNSET))

        def _parse_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        code = _parse_code(d.pop("code", UNSET))

        auth_in = cls(
            method=method,
            pin=pin,
            assertion=assertion,
            code=code,
        )

        return auth_in
