from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="NotificationSettingsIn")


@_attrs_define
class NotificationSettingsIn:
    """
    Attributes:
        locale (None | str | Unset): zh-CN or en: the language of every notice
        email (None | str | Unset): where e-mail notices go (stored encrypted)
        clear_email (bool | Unset):  Default: False.
    """

    locale: None | str | Unset = UNSET
    email: None | str | Unset = UNSET
    clear_email: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        locale: None | str | Unset
        if isinstance(self.locale, Unset):
            locale = UNSET
        else:
            locale = self.locale

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        clear_email = self.clear_email

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if locale is not UNSET:
            field_dict["locale"] = locale
        if email is not UNSET:
            field_dict["email"] = email
        if clear_email is not UNSET:
            field_dict["clear_email"] = clear_email

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_locale(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        locale = _parse_locale(d.pop("locale", UNSET))

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        clear_email = d.pop("clear_email", UNSET)

        notification_settings_in = cls(
            locale=locale,
            email=email,
            clear_email=clear_email,
        )

        return notification_settings_in
