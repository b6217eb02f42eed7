from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.auth_in import AuthIn
    from ..models.risk_context_in import RiskContextIn


T = TypeVar("T", bound="PaymentIn")


@_attrs_define
class PaymentIn:
    """
    Attributes:
        merchant_id (str):
        amount (int): minor units (fen)
        auth (AuthIn):
        category (None | str | Unset):
        context (None | RiskContextIn | Unset): ip, lat, lon (risk signals)
    """

    merchant_id: str
    amount: int
    auth: AuthIn
    category: None | str | Unset = UNSET
    context: None | RiskContextIn | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.risk_context_in import RiskContextIn  # noqa: PLC0415

        merchant_id = self.merchant_id

        amount = self.amount

        auth = self.auth.to_dict()

        category: None | str | Unset
        if isinstance(self.category, Unset):
            category = UNSET
        else:
            category = self.category

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
                "merchant_id": merchant_id,
                "amount": amount,
                "auth": auth,
            }
        )
        if category is not UNSET:
            field_dict["category"] = category
        if context is not UNSET:
            field_dict["context"] = context

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.auth_in import AuthIn  # noqa: PLC0415
        from ..models.risk_context_in import RiskContextIn  # noqa: PLC0415

        d = dict(src_dict)
        merchant_id = d.pop("merchant_id")

        amount = d.pop("amount")

        auth = AuthIn.from_dict(d.pop("auth"))

        def _parse_category(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        category = _parse_category(d.pop("category", UNSET))

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

        payment_in = cls(
            merchant_id=merchant_id,
            amount=amount,
            auth=auth,
            category=category,
            context=context,
        )

        return payment_in
