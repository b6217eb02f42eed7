from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field, StringConstraints

from walletguard.http.deps import (
    ClientIp,
    IdempotencyKey,
    Now,
    Operator,
    Owner,
    PlatformDep,
    Tx,
)
from walletguard.http.schema import Amount, Label, Name, Out, Strict, Text
from walletguard.payments import operator as operations
from walletguard.payments import owner as wallets
from walletguard.payments import service as payments
from walletguard.payments.limits import MAX_AMOUNT

router = APIRouter()


class AuthIn(Strict):
    method: payments.Method
    pin: Annotated[str, StringConstraints(max_length=12)] | None = None
    assertion: dict[str, Any] | None = None
    code: Annotated[str, StringConstraints(max_length=40)] | None = None

    def to_domain(self) -> payments.PaymentAuth:
        return payments.PaymentAuth(method=self.method, pin=self.pin, assertion=self.assertion,
                                    code=self.code)


class RiskContextIn(Strict):
    """What the device reports of where it is (risk signals: impossible travel, IP
    lists, country), and, when retrying after a risk step-up, the challenge it met."""

    ip: Annotated[str, StringConstraints(max_length=45)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    challenge_id: Annotated[str, StringConstraints(max_length=40)] | None = None

    def to_domain(self, peer_ip: str | None) -> payments.RiskContext:
        return payments.RiskContext(ip=self.ip or peer_ip, lat=self.lat, lon=self.lon,
                                    challenge_id=self.challenge_id)


class PaymentIn(Strict):
    merchant_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    amount: Amount
    category: Annotated[str, StringConstraints(max_length=40)] | None = None
    auth: AuthIn = Field(examples=[{"method": "pin", "pin": "730264"}])
    context: RiskContextIn | None = Field(None, description="ip, lat, lon (risk signals)")


class TransferIn(Strict):
    to_phone: Annotated[str, StringConstraints(min_length=3, max_length=32)]
    amount: Amount
    note: Annotated[str, StringConstraints(max_length=40)] | None = None
    auth: AuthIn
    context: RiskContextIn | None = Field(None, description="ip, lat, lon (risk signals)")


class MoneyOut(Out):
    id: str
    status: Literal["succeeded"]
    amount: int
    currency: str
    balance: int
    created_at: str


class PasswordFreeIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"enabled": True, "per_payment_limit": 10000, "daily_limit": 50000, "pin": "730264"},
        {"enabled": False}]})

    enabled: bool
    per_payment_limit: Amount | None = None
    daily_limit: Amount | None = None
    pin: Annotated[str, StringConstraints(max_length=12)] | None = Field(
        None, description="needed to turn password-free on or raise its limits")


class LimitsIn(Strict):
    model_config = ConfigDict(json_schema_extra={
        "examples": [{"daily_limit": 200000}, {"daily_limit": 800000, "pin": "730264"}]})

    daily_limit: Annotated[int, Field(ge=0, le=MAX_AMOUNT)]
    pin: Annotated[str, StringConstraints(max_length=12)] | None = Field(
        None, description="needed when raising the limit")


class MerchantIn(Strict):
    name: Name = Field(examples=["便利店"])
    category: Label = Field(
        examples=["retail"])


class TopUpIn(Strict):
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    amount: Amount


class RefundIn(Strict):
    model_config = ConfigDict(json_schema_extra={
        "examples": [{"amount": 500, "reason": "one item returned"},
                     {"reason": "order cancelled"}]})

    amount: Amount | None = Field(None, description="omit to refund what is left")
    reason: Text


@router.post("/v1/payments", status_code=201, response_model=MoneyOut, tags=["owner"])
def pay(body: PaymentIn, owner: Owner, platform: PlatformDep, db: Tx, now: Now,
        key: IdempotencyKey, ip: ClientIp) -> dict[str, Any]:
    return payments.authorize_payment(
        db, path=platform.money, owner=owner, idempotency_key=key, now=now,
        request=payments.PaymentRequest(merchant_id=body.merchant_id, amount=body.amount,
                                        category=body.category, auth=body.auth.to_domain(),
                                        context=(body.context or RiskContextIn()
                                                 ).to_domain(ip)))


@router.post("/v1/transfers", status_code=201, response_model=MoneyOut, tags=["owner"])
def transfer(body: TransferIn, owner: Owner, platform: PlatformDep, db: Tx, now: Now,
             key: IdempotencyKey, ip: ClientIp) -> dict[str, Any]:
    return payments.transfer_to_owner(
        db, path=platform.money, owner=owner, idempotency_key=key, now=now,
        request=payments.TransferRequest(to_phone=body.to_phone, amount=body.amount,
                                         note=body.note, auth=body.auth.to_domain(),
                                         context=(body.context or RiskContextIn()
                                                  ).to_domain(ip)))


@router.get("/v1/wallet", tags=["owner"])
def wallet(owner: Owner, platform: PlatformDep, db: Tx, now: Now) -> dict[str, Any]:
    return wallets.wallet_view(db, path=platform.money, owner=owner, now=now)


@router.get("/v1/transactions", tags=["owner"])
def transactions(
    owner: Owner, db: Tx, since: datetime | None = None, until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    return {"items": wallets.transactions(db, owner=owner, since=since, until=until,
                                           limit=limit)}


@router.put("/v1/settings/password-free", tags=["owner"])
def set_password_free(body: PasswordFreeIn, owner: Owner, platform: PlatformDep, db: Tx,
                      now: Now) -> dict[str, Any]:
    wallets.set_password_free(db, path=platform.money, owner=owner, enabled=body.enabled,
                               per_payment_limit=body.per_payment_limit,
                               daily_limit=body.daily_limit, pin=body.pin, now=now)
    settings: dict[str, Any] = wallets.wallet_view(db, path=platform.money, owner=owner,
                                                    now=now)["password_free"]
    return settings


@router.put("/v1/settings/limits", tags=["owner"])
def set_limits(body: LimitsIn, owner: Owner, platform: PlatformDep, db: Tx,
               now: Now) -> dict[str, Any]:
    wallets.set_daily_limit(db, path=platform.money, owner=owner,
                             daily_limit=body.daily_limit, pin=body.pin, now=now)
    return wallets.wallet_view(db, path=platform.money, owner=owner, now=now)


@router.post("/v1/merchants", status_code=201, tags=["operator"])
def create_merchant(body: MerchantIn, operator: Operator, platform: PlatformDep, db: Tx,
                    now: Now, key: IdempotencyKey) -> dict[str, Any]:
    merchant = operations.create_merchant(db, actor=operator, policy=platform.policy,
                                          name=body.name, category=body.category, now=now,
                                          idempotency_key=key)
    return {"id": merchant.id, "name": merchant.name, "category": merchant.category}


@router.post("/v1/topups", status_code=201, tags=["operator"])
def top_up(body: TopUpIn, operator: Operator, db: Tx, now: Now,
           key: IdempotencyKey) -> dict[str, Any]:
    return operations.top_up(db, actor=operator, user_id=body.user_id, amount=body.amount,
                           idempotency_key=key, now=now)


@router.post("/v1/payments/{payment_id}/refunds", status_code=201, tags=["operator"])
def refund(payment_id: str, body: RefundIn, operator: Operator, db: Tx, now: Now,
           key: IdempotencyKey) -> dict[str, Any]:
    return operations.refund_payment(db, actor=operator, payment_id=payment_id,
                                   amount=body.amount, reason=body.reason,
                                   idempotency_key=key, now=now)


@router.get("/v1/merchants/{merchant_id}/balance", tags=["operator"])
def merchant_balance(merchant_id: str, operator: Operator, db: Tx) -> dict[str, Any]:
    return {"merchant_id": merchant_id,
            "balance": operations.merchant_balance(db, merchant_id=merchant_id)}
