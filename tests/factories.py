"""Build real data through the real use cases (never by inserting rows)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric

from walletguard.auth import service as auth
from walletguard.auth.principal import Principal, Role
from walletguard.credentials import service as credentials
from walletguard.devices import service as devices
from walletguard.identity import service as identity
from walletguard.payments import service as payments
from walletguard.runtime import Platform

PASSWORD = "Plum-Blossom-88"
PIN = "730264"
OPERATOR = Principal(role=Role.OPERATOR, id="key_test_operator")
AGENT = Principal(role=Role.AGENT, id="key_test_agent")
TELLER = Principal(role=Role.TELLER, id="key_test_teller")


def resident_id(birth: date | None = None) -> str:
    birth = birth or date(1988, 5, 12)
    body = f"110105{birth:%Y%m%d}{random.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def phone() -> str:
    return f"+86139{random.randint(0, 99_999_999):08d}"


@dataclass
class Owner:
    user_id: str
    phone: str
    real_name: str
    id_number: str
    token: str
    device_id: str
    principal: Principal

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def register_owner(
    platform: Platform, *, name: str = "陈静", balance: int = 0, pin: str | None = PIN,
    device: str = "phone-1", birth: date | None = None,
) -> Owner:
    now = platform.clock.now()
    number, id_number = phone(), resident_id(birth)
    with platform.db.transaction() as db:
        user = identity.register(db, keys=platform.keys, policy=platform.policy, now=now,
                                 data=identity.Registration(phone=number, password=PASSWORD,
                                                            real_name=name,
                                                            id_number=id_number))
        user_id = user.id
    owner = log_in(platform, user_id=user_id, phone_number=number, device=device)
    owner.real_name, owner.id_number = name, id_number
    if pin is not None:
        with platform.db.transaction() as db:
            credentials.set_pin(db, keys=platform.keys, policy=platform.policy,
                                owner=owner.principal, pin=pin, current_pin=None, now=now)
    if balance:
        top_up(platform, owner.user_id, balance)
    return owner


def log_in(platform: Platform, *, user_id: str, phone_number: str,
           device: str = "phone-1") -> Owner:
    with platform.db.transaction() as db:
        started = devices.start_session(
            db, keys=platform.keys, policy=platform.policy, phone=phone_number,
            password=PASSWORD, now=platform.clock.now(),
            device=devices.DeviceInfo(id=device, name=device, platform="android",
                                      fingerprint={"model": device}),
            context=devices.LoginContext(ip="127.0.0.1"))
        principal = Principal(role=Role.OWNER, id=user_id, user_id=user_id,
                              device_id=started.device.id, session_id=started.session.id)
        return Owner(user_id=user_id, phone=phone_number, real_name="", id_number="",
                     token=started.token, device_id=started.device.id, principal=principal)


def top_up(platform: Platform, user_id: str, amount: int) -> None:
    with platform.db.transaction() as db:
        payments.top_up(db, actor=OPERATOR, user_id=user_id, amount=amount,
                        idempotency_key=None, now=platform.clock.now())


def merchant(platform: Platform, name: str = "便利店") -> str:
    with platform.db.transaction() as db:
        return payments.create_merchant(db, actor=OPERATOR, policy=platform.policy, name=name,
                                        category="retail", now=platform.clock.now()).id


def api_key(platform: Platform, role: str) -> str:
    with platform.db.transaction() as db:
        _, secret = auth.create_api_key(db, keys=platform.keys, role=role, name=f"test {role}",
                                        actor=OPERATOR, now=platform.clock.now())
        return secret
