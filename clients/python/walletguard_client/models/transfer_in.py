from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.auth_in import AuthIn
    from ..models.risk_context_in import RiskContextIn


T = TypeVar("T", bound="TransferIn")


@_attrs_define
class TransferIn:
    """
    Attributes:
        to_phone (str):
        amount (int): minor units (fen)
        auth (AuthIn):
        note (None | str | Unset):
        context (None | RiskContextIn | Unset): ip, lat, lon (risk signals)
    """

    to_phone: str
    amount: int
    auth: AuthIn
    note: None | str | Unset = UNSET
    context: None | RiskContextIn | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.risk_context_in import RiskContextIn  # noqa: PLC0415

        to_phone = self.to_phone

        amount = self.amount

        auth = self.auth.to_dict()

        note: None | str | Unset
        if isinstance(self.note, Unset):
            note = UNSET
        else:
            note = self.note

        context: dict[str, Any] | None | Unset
        if isinstance(self.context, Unset):
            context = UNSET
        elif isinstance(self.context, RiskContextIn):
            context = self.context.to_dict()
        else:
            context = self.context

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "to_phone": to_phone,
                "amount": amount,
                "auth": auth,
            }
        )
        if note is not UNSET:
            field_dict["note"] = note
        if context is not UNSET:
            field_dict["context"] = context

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.auth_in import AuthIn  # noqa: PLC0415
        from ..models.risk_context_in import RiskContextIn  # noqa: PLC0415

        d = dict(src_dict)
        to_phone = d.pop("to_phone")

        amount = d.pop("amount")

        auth = AuthIn.from_dict(d.pop("auth"))

        def _parse_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        note = _parse_note(d.pop("note", UNSET))

        def _parse_context(data: object) -> None | RiskContextIn | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_type_0 = RiskContextIn.from_dict(data)

                return context_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RiskContextIn | Unset, data)

        context = _parse_context(d.pop("context", UNSET))

        transfer_in = cls(
            to_phone=to_phone,
            amount=amount,
            auth=auth,
            note=note,
            context=context,
        )

        return transfer_in
