from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.session_out_trust import SessionOutTrust
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.session_out_reasons_item import SessionOutReasonsItem


T = TypeVar("T", bound="SessionOut")


@_attrs_define
class SessionOut:
    """
    Attributes:
        token (str):
        device_id (str):
        new_device (bool):
        trust (SessionOutTrust): an untrusted session may only read, freeze, report a device lost, ring it and set lost
            mode until its challenge is met
        challenge_id (None | str | Unset): the step-up an untrusted session answers (/v1/challenges/{id})
        reasons (list[SessionOutReasonsItem] | Unset): why the risk engine asked for a step-up (rule, zh, en)
    """

    token: str
    device_id: str
    new_device: bool
    trust: SessionOutTrust
    challenge_id: None | str | Unset = UNSET
    reasons: list[SessionOutReasonsItem] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        token = self.token

        device_id = self.device_id

        new_device = self.new_device

        trust = self.trust.value

        challenge_id: None | str | Unset
        if isinstance(self.challenge_id, Unset):
            challenge_id = UNSET
        else:
            challenge_id = self.challenge_id

        reasons: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.reasons, Unset):
            reasons = []
            for reasons_item_data in self.reasons:
                reasons_item = reasons_item_data.to_dict()
                reasons.append(reasons_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "token": token,
                "device_id": device_id,
                "new_device": new_device,
                "trust": trust,
            }
        )
        if challenge_id is not UNSET:
            field_dict["challenge_id"] = challenge_id
        if reasons is not UNSET:
            field_dict["reasons"] = reasons

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.session_out_reasons_item import SessionOutReasonsItem  # noqa: PLC0415

        d = dict(src_dict)
        token = d.pop("token")

        device_id = d.pop("device_id")

        new_device = d.pop("new_device")

        trust = SessionOutTrust(d.pop("trust"))

        def _parse_challenge_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        challenge_id = _parse_challenge_id(d.pop("challenge_id", UNSET))

        _reasons = d.pop("reasons", UNSET)
        reasons: list[SessionOutReasonsItem] | Unset = UNSET
        if _reasons is not UNSET:
            reasons = []
            for reasons_item_data in _reasons:
                reasons_item = SessionOutReasonsItem.from_dict(reasons_item_data)

                reasons.append(reasons_item)

        session_out = cls(
            token=token,
            device_id=device_id,
            new_device=new_device,
            trust=trust,
            challenge_id=challenge_id,
            reasons=reasons,
        )

        session_out.additional_properties = d
        return session_out

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
