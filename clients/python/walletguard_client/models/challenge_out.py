from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.challenge_out_status import ChallengeOutStatus

T = TypeVar("T", bound="ChallengeOut")


@_attrs_define
class ChallengeOut:
    """
    Attributes:
        id (str):
        status (ChallengeOutStatus):
        device_id (str):
        device_name (str):
        platform (str):
        last_ip (None | str):
        created_at (str):
        expires_at (str):
        code_expires_at (None | str):
        methods (list[str]): step-up methods open to this device now; empty: only an agent, a teller or a recovery can
            trust it
    """

    id: str
    status: ChallengeOutStatus
    device_id: str
    device_name: str
    platform: str
    last_ip: None | str
    created_at: str
    expires_at: str
    code_expires_at: None | str
    methods: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status = self.status.value

        device_id = self.device_id

        device_name = self.device_name

        platform = self.platform

        last_ip: None | str
        last_ip = self.last_ip

        created_at = self.created_at

        expires_at = self.expires_at

        code_expires_at: None | str
        code_expires_at = self.code_expires_at

        methods = self.methods

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "device_id": device_id,
                "device_name": device_name,
                "platform": platform,
                "last_ip": last_ip,
                "created_at": created_at,
                "expires_at": expires_at,
                "code_expires_at": code_expires_at,
                "methods": methods,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        status = ChallengeOutStatus(d.pop("status"))

        device_id = d.pop("device_id")

        device_name = d.pop("device_name")

        platform = d.pop("platform")

        def _parse_last_ip(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_ip = _parse_last_ip(d.pop("last_ip"))

        created_at = d.pop("created_at")

        expires_at = d.pop("expires_at")

        def _parse_code_expires_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        code_expires_at = _parse_code_expires_at(d.pop("code_expires_at"))

        methods = cast(list[str], d.pop("methods"))

        challenge_out = cls(
            id=id,
            status=status,
            device_id=device_id,
            device_name=device_name,
            platform=platform,
            last_ip=last_ip,
            created_at=created_at,
            expires_at=expires_at,
            code_expires_at=code_expires_at,
            methods=methods,
        )

        challenge_out.additional_properties = d
        return challenge_out

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
