"""Demo data and the lost-phone story, told through the same use cases the API calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from stdnum.cn import ric

from walletguard.auth import service as auth
from walletguard.auth.principal import Principal, Role
from walletguard.credentials import service as credentials
from walletguard.devices import service as devices
from walletguard.errors import DomainError
from walletguard.identity import service as identity
from walletguard.incidents import service as incidents
from walletguard.payments import service as payments
from walletguard.runtime import Platform

OPERATOR = Principal(role=Role.OPERATOR, id="demo")
PASSWORD = "Plum-Blossom-88"
PIN = "730264"


def resident_id(region_birth_seq: str) -> str:
    return region_birth_seq + ric.calc_check_digit(region_birth_seq + "0")


@dataclass(frozen=True)
class DemoOwner:
    name: str
    phone: str
    id_number: str
    device: str


OWNERS = (
    DemoOwner("陈静", "+8613800138000", resident_id("11010519880512001"), "chen-mate60"),
    DemoOwner("李雷", "+8613900139000", resident_id("31010419910203002"), "li-iphone15"),
)


@dataclass(frozen=True)
class DemoData:
    merchant_id: str
    owners: dict[str, tuple[str, str]]  # phone -> (user id, token)
    operator_key: str
    agent_key: str


def _owner_session(platform: Platform, owner: DemoOwner, now: datetime) -> tuple[str, str]:
    with platform.db.transaction() as db:
        user = identity.find_by_phone(db, vault=platform.keys.vault, phone=owner.phone)
        if user is None:
            user = identity.register(
                db, keys=platform.keys, policy=platform.policy, now=now,
                data=identity.Registration(phone=owner.phone, password=PASSWORD,
                                           real_name=owner.name, id_number=owner.id_number))
        user_id = user.id
    with platform.db.transaction() as db:
        started = devices.start_session(
            db, keys=platform.keys, policy=platform.policy, phone=owner.phone,
            password=PASSWORD, now=now, context=devices.LoginContext(ip="127.0.0.1"),
            device=devices.DeviceInfo(id=owner.device, name=owner.device, platform="android",
                                      fingerprint={"model": owner.device}))
        principal = Principal(role=Role.OWNER, id=user_id, user_id=user_id,
                              device_id=started.device.id, session_id=started.session.id)
        token = started.token
    try:
        with platform.db.transaction() as db:
            credentials.set_pin(db, keys=platform.keys, policy=platform.policy, owner=principal,
                                pin=PIN, current_pin=None, now=now)
    except DomainError:
        pass  # the PIN is set already (a re-run of the demo)
    with platform.db.transaction() as db:
        payments.top_up(db, actor=OPERATOR, user_id=user_id, amount=500_000,
                        idempotency_key=None, now=now)
    return user_id, token


def seed(platform: Platform) -> DemoData:
    now = platform.clock.now()
    with platform.db.transaction() as db:
        merchant = payments.create_merchant(db, actor=OPERATOR, policy=platform.policy,
                                            name="便利店 Corner Shop", category="retail", now=now)
        _, operator_key = auth.create_api_key(db, keys=platform.keys, role="operator",
                                              name="demo operator", actor=OPERATOR, now=now)
        _, agent_key = auth.create_api_key(db, keys=platform.keys, role="agent",
                                           name="demo agent", actor=OPERATOR, now=now)
        merchant_id = merchant.id
    owners = {o.phone: _owner_session(platform, o, now) for o in OWNERS}
    return DemoData(merchant_id=merchant_id, owners=owners, operator_key=operator_key,
                    agent_key=agent_key)


def print_tour(data: DemoData, console: Console, *, base: str) -> None:
    chen = OWNERS[0]
    user_id, token = data.owners[chen.phone]
    table = Table(title="demo data", show_lines=False)
    table.add_column("what")
    table.add_column("value", overflow="fold")
    table.add_row("merchant", data.merchant_id)
    for owner in OWNERS:
        uid, tok = data.owners[owner.phone]
        table.add_row(f"owner {owner.name} {owner.phone}", f"{uid}  PIN {PIN}  ¥5,000.00")
        table.add_row("  session token", tok)
    table.add_row("operator key", data.operator_key)
    table.add_row("agent key", data.agent_key)
    console.print(table)
    console.print(Panel.fit(
        f'export T={token}\n'
        f'curl -s {base}/v1/wallet -H "Authorization: Bearer $T"\n'
        f"curl -s {base}/v1/payments -H \"Authorization: Bearer $T\" "
        f"-H 'Content-Type: application/json' -H 'Idempotency-Key: try-1' "
        f"-d '{{\"merchant_id\":\"{data.merchant_id}\",\"amount\":1250,"
        f"\"auth\":{{\"method\":\"pin\",\"pin\":\"{PIN}\"}}}}'\n"
        f"curl -s {base}/v1/lost-phone-reports -H 'Content-Type: application/json' "
        f"-d '{{\"phone\":\"{chen.phone}\",\"real_name\":\"{chen.name}\","
        f"\"id_number_last4\":\"{chen.id_number[-4:]}\"}}'",
        title="try this", border_style="cyan"))
    del user_id


def play_lost_phone(platform: Platform, console: Console) -> None:
    """Pay, lose the phone, report it from a friend's browser, watch payments fail, and
    read the checklist — each step through the same use case the API calls."""
    console.rule("[bold]walletguard — the lost-phone story")
    data = seed(platform)
    chen = OWNERS[0]
    user_id, token = data.owners[chen.phone]
    now = platform.clock.now()

    def owner() -> Principal:
        with platform.db.transaction() as db:
            return auth.authenticate(db, keys=platform.keys, token=token, now=now,
                                     idle_timeout=platform.session_idle_timeout)

    def pay(amount: int, label: str) -> None:
        try:
            with platform.db.transaction() as db:
                result = payments.authorize_payment(
                    db, path=platform.money, owner=owner(), idempotency_key=None, now=now,
                    request=payments.PaymentRequest(
                        merchant_id=data.merchant_id, amount=amount,
                        auth=payments.PaymentAuth(method="pin", pin=PIN)))
            console.print(f"  [green]✓[/] {label}: paid ¥{amount / 100:.2f}, "
                          f"balance ¥{result['balance'] / 100:,.2f}")
        except DomainError as exc:
            console.print(f"  [red]✗[/] {label}: {exc.status} [bold]{exc.code}[/] — "
                          f"{exc.detail}")

    console.print(f"[bold]1.[/] {chen.name} ({chen.phone}) pays at the corner shop")
    pay(1_250, "coffee")
    console.print("[bold]2.[/] The phone is stolen. From a friend's browser she reports it "
                  "(no sign-in: phone, name, last four of her ID)")
    with platform.db.transaction() as db:
        answer = incidents.report_lost_phone(
            db, keys=platform.keys, policy=platform.policy, reporter_ip="198.51.100.7",
            now=now, report=incidents.LostPhoneReport(
                phone=chen.phone, real_name=chen.name, id_number_last4=chen.id_number[-4:]))
    console.print(f"  [green]✓[/] 202 — {answer.message}")
    console.print("[bold]3.[/] The thief, holding the phone, tries to pay with its old session")
    pay(20_000, "thief's payment")
    console.print("[bold]4.[/] What the incident shows her")
    with platform.db.transaction() as db:
        view = incidents.incident_view(
            db, actor=Principal(role=Role.AGENT, id="demo"), incident_id=str(answer.incident_id),
            now=now)
    for event in view["timeline"]:
        console.print(f"  • {event['kind']}: {event['detail']}")
    table = Table(title="checklist — call them, most urgent first")
    for column in ("due", "who", "hotline", "what to say"):
        table.add_column(column, overflow="fold")
    for item in view["checklist"]:
        table.add_row(item["due_at"][11:16] + " UTC", item["name"], item["hotline"], item["say"])
    console.print(table)
    console.print(Panel.fit(
        "Payments stopped, the phone's sessions ended, biometric and password-free payments "
        "are off,\nand her other channels, contacts and linked platforms were told — before "
        "the report answered.", border_style="green"))
