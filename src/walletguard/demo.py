"""Demo data and the lost-phone story, told through the same use cases the API calls."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from sqlalchemy.orm import Session
from stdnum.cn import ric

from walletguard.audit import service as audit
from walletguard.auth import service as auth
from walletguard.auth.principal import Principal, Role
from walletguard.credentials import service as credentials
from walletguard.devices import challenges
from walletguard.devices import service as devices
from walletguard.errors import DomainError
from walletguard.identity import service as identity
from walletguard.incidents import service as incidents
from walletguard.ledger import service as ledger
from walletguard.payments import operator as operations
from walletguard.payments import owner as wallets
from walletguard.payments import service as payments
from walletguard.restrictions import service as restrictions
from walletguard.runtime import Platform

OPERATOR = Principal(role=Role.OPERATOR, id="demo")
PASSWORD = "Plum-Blossom-88"  # noqa: S105 - the demo owners' published password
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
class SeededOwner:
    owner: DemoOwner
    user_id: str
    token: str


@dataclass(frozen=True)
class DemoData:
    merchant_id: str
    owners: tuple[SeededOwner, ...]  # 陈静, then 李雷
    operator_key: str
    agent_key: str


def documentation_address() -> str:
    """A fresh client address for one demo run, from the IPv6 documentation prefix
    2001:db8::/32 (RFC 3849), which no real client ever has. The demo's logins and
    reports go through the same services and the same per-address limits as everyone
    else's; they come from their own address, as a friend's browser would, so nothing
    else sent from loopback (nor an earlier run) counts against them."""
    return f"2001:db8:{secrets.randbits(16):x}:{secrets.randbits(16):x}::{secrets.randbits(16):x}"


def _fresh_owner(platform: Platform, template: DemoOwner, prefix: str) -> DemoOwner:
    """A new owner for each run, so every run starts from an untouched wallet (not one an
    earlier tour froze, PIN-locked or put under observation)."""
    with platform.db.transaction() as db:
        while True:
            phone = f"+86{prefix}{secrets.randbelow(10**8):08d}"
            if identity.find_by_phone(db, vault=platform.keys.vault, phone=phone) is None:
                return DemoOwner(template.name, phone, template.id_number, template.device)


def _owner_session(platform: Platform, owner: DemoOwner, now: datetime, *,
                   address: str) -> tuple[str, str]:
    """Register a new owner, sign in on the first (so trusted) phone, set the PIN, top up."""
    with platform.db.transaction() as db:
        user_id = identity.register(
            db, keys=platform.keys, policy=platform.policy, now=now,
            data=identity.Registration(phone=owner.phone, password=PASSWORD,
                                       real_name=owner.name, id_number=owner.id_number)).id
    with platform.db.transaction() as db:
        started = devices.start_session(
            db, keys=platform.keys, policy=platform.policy, phone=owner.phone,
            password=PASSWORD, now=now,
            context=devices.LoginContext(ip=address, peer_ip=address),
            device=devices.DeviceInfo(id=owner.device, name=owner.device, platform="android",
                                      fingerprint={"model": owner.device}))
    _check(started.trusted, f"{owner.name}'s first phone was not trusted")
    principal = Principal(role=Role.OWNER, id=user_id, user_id=user_id,
                          device_id=started.device.id, session_id=started.session.id,
                          trusted=started.trusted)
    with platform.db.transaction() as db:
        credentials.set_pin(db, keys=platform.keys, policy=platform.policy, owner=principal,
                            pin=PIN, current_pin=None, now=now)
    with platform.db.transaction() as db:
        operations.top_up(db, actor=OPERATOR, user_id=user_id, amount=500_000,
                        idempotency_key=None, now=now)
    return user_id, started.token


def seed(platform: Platform) -> DemoData:
    """Demo data for one run: a merchant, staff keys and two new owners with ¥5,000."""
    now = platform.clock.now()
    address = documentation_address()
    with platform.db.transaction() as db:
        merchant = operations.create_merchant(db, actor=OPERATOR, policy=platform.policy,
                                            name="便利店 Corner Shop", category="retail", now=now)
        _, operator_key = auth.create_api_key(db, keys=platform.keys, role="operator",
                                              name="demo operator", actor=OPERATOR, now=now)
        _, agent_key = auth.create_api_key(db, keys=platform.keys, role="agent",
                                           name="demo agent", actor=OPERATOR, now=now)
        merchant_id = merchant.id
    owners = []
    for template, prefix in zip(OWNERS, ("138", "139"), strict=True):
        owner = _fresh_owner(platform, template, prefix)
        user_id, token = _owner_session(platform, owner, now, address=address)
        owners.append(SeededOwner(owner=owner, user_id=user_id, token=token))
    return DemoData(merchant_id=merchant_id, owners=tuple(owners), operator_key=operator_key,
                    agent_key=agent_key)


def tour_lines(data: DemoData, *, base: str, database: str) -> list[str]:
    """What ``serve --demo`` and ``demo`` print: plain lines, nothing drawn around them,
    so each pastes into a shell as it is (README.md shows the same lines)."""
    chen, li = data.owners
    return [
        f"demo data written to {database}",
        f"demo password (every demo owner): {PASSWORD}   payment PIN: {PIN}",
        f"owner {chen.owner.name}: phone {chen.owner.phone}, user id {chen.user_id}, "
        f"ID number ending {chen.owner.id_number[-4:]}, balance ¥5,000.00",
        f"owner {li.owner.name}: phone {li.owner.phone}, user id {li.user_id}, "
        f"ID number ending {li.owner.id_number[-4:]}, balance ¥5,000.00",
        f"merchant 便利店 Corner Shop: {data.merchant_id}",
        "",
        "Paste these lines into a shell, then follow the tour in README.md "
        "(\"A five-minute tour with curl\"):",
        "",
        f"export B={base}",
        f"export PHONE={chen.owner.phone} NAME={chen.owner.name} "
        f"LAST4={chen.owner.id_number[-4:]} PASSWORD={PASSWORD} PIN={PIN}",
        f"export U={chen.user_id}    # {chen.owner.name}'s user id",
        f"export T={chen.token}    # her session on her phone (trusted)",
        f"export M={data.merchant_id}    # the corner shop",
        f"export OP={data.operator_key}    # an operator key",
        f"export AG={data.agent_key}    # an agent key",
        "",
        "and try:",
        'curl -s $B/v1/wallet -H "Authorization: Bearer $T"',
    ]


def print_tour(data: DemoData, *, base: str, database: str) -> None:
    print("\n".join(tour_lines(data, base=base, database=database)), flush=True)


class StoryBrokenError(RuntimeError):
    """A step of the demo story did not behave as the story says: the demo fails loudly
    (exit status 1) instead of telling a story the code does not keep."""


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise StoryBrokenError(what)


def play_lost_phone(platform: Platform, console: Console) -> None:
    """Pay, lose the phone, report it from a friend's browser, watch payments fail, work
    the checklist, lock and wipe the phone remotely, get the wallet back at a bank
    branch, live with observation — each step through the same use case the API calls."""
    console.rule("[bold]walletguard — the lost-phone story")
    clock, keys, policy = platform.clock, platform.keys, platform.policy
    with platform.db.transaction() as db:
        merchant_id = operations.create_merchant(
            db, actor=OPERATOR, policy=policy, name="便利店 Corner Shop", category="retail",
            now=clock.now()).id
    # Each place in the story is its own network, new on every telling (see
    # documentation_address): her stolen phone, the friend's browser, her new phone and
    # the thief's laptop.
    phone_ip, friend_ip, new_phone_ip, laptop_ip = (documentation_address() for _ in range(4))
    chen = _fresh_owner(platform, OWNERS[0], "137")
    user_id, stolen_token = _owner_session(platform, chen, clock.now(), address=phone_ip)

    def principal(token: str) -> Principal:
        with platform.db.transaction() as db:
            return auth.authenticate(db, keys=keys, policy=platform.policy, token=token,
                                     now=clock.now())

    def pay(token: str, amount: int, label: str, method: payments.Method = "pin") -> bool:
        try:
            owner = principal(token)
            with platform.db.transaction() as db:
                result = payments.authorize_payment(
                    db, path=platform.money, owner=owner, idempotency_key=None,
                    now=clock.now(), request=payments.PaymentRequest(
                        merchant_id=merchant_id, amount=amount,
                        auth=payments.PaymentAuth(method=method,
                                                  pin=PIN if method == "pin" else None)))
        except DomainError as exc:
            console.print(f"  [red]✗[/] {label}: {exc.status} [bold]{exc.code}[/] — "
                          f"{exc.detail}")
            return False
        console.print(f"  [green]✓[/] {label}: paid ¥{amount / 100:,.2f}, "
                      f"balance ¥{result['balance'] / 100:,.2f}")
        return True

    def report(last4: str) -> incidents.ReportAnswer:
        with platform.db.transaction() as db:
            return incidents.report_lost_phone(
                db, keys=keys, policy=policy, reporter_ip=friend_ip, now=clock.now(),
                report=incidents.LostPhoneReport(phone=chen.phone, real_name=chen.name,
                                                 id_number_last4=last4))

    def in_force(kind: str) -> list[str]:
        with platform.db.transaction() as db:
            return [r.id for r in restrictions.active(db, user_id=user_id, now=clock.now())
                    if r.kind == kind]

    stolen_device = str(principal(stolen_token).device_id)
    with platform.db.transaction() as db:
        wallets.set_password_free(db, path=platform.money, owner=principal(stolen_token),
                                   enabled=True, per_payment_limit=None, daily_limit=None,
                                   now=clock.now(), pin=PIN)

    console.print(f"[bold]1.[/] {chen.name} ({chen.phone}) pays at the corner shop")
    _check(pay(stolen_token, 1_250, "coffee, with her PIN"), "the first payment")
    _check(pay(stolen_token, 800, "a bun, password-free (小额免密)", method="password_free"),
           "the password-free payment")

    console.print("[bold]2.[/] The phone is stolen. From a friend's browser she reports it "
                  "(no sign-in: phone, name, last four of her ID)")
    wrong = "0000" if chen.id_number[-4:] != "0000" else "1111"
    guess = report(wrong)
    _check(not in_force("freeze"), "a report with wrong details froze the wallet")
    console.print("  [green]✓[/] someone guessing the ID digits gets 202 and the same words; "
                  "nothing is frozen")
    answer = report(chen.id_number[-4:])
    _check(answer.message == guess.message, "the answers tell a match from a miss")
    _check(bool(in_force("freeze")), "the report did not freeze the wallet")
    console.print(f"  [green]✓[/] 202 — {answer.message}")

    console.print("[bold]3.[/] The thief, holding the phone, tries to pay with its old session")
    _check(not pay(stolen_token, 20_000, "thief's payment"), "the thief paid")

    console.print("[bold]4.[/] What the incident shows her")
    incident_id = str(answer.incident_id)
    agent = Principal(role=Role.AGENT, id="demo")
    with platform.db.transaction() as db:
        view = incidents.incident_view(db, actor=agent, incident_id=incident_id,
                                       now=clock.now())
    for event in view["timeline"]:
        console.print(f"  • {event['kind']}: {event['detail']}")
    table = Table(title="checklist — call them, most urgent first")
    for column in ("due", "who", "hotline", "what to say"):
        table.add_column(column, overflow="fold")
    for item in view["checklist"]:
        table.add_row(item["due_at"][:16].replace("T", " ") + " UTC", item["name"],
                      item["hotline"], item["say"])
    console.print(table)

    console.print("[bold]5.[/] She signs in on a new phone. A password alone is not the "
                  "owner: the session is untrusted until a step-up the thief cannot meet")

    def sign_in(device: str, address: str) -> devices.StartedSession:
        with platform.db.transaction() as db:
            return devices.start_session(
                db, keys=keys, policy=policy, phone=chen.phone, password=PASSWORD,
                now=clock.now(), context=devices.LoginContext(ip=address, peer_ip=address),
                device=devices.DeviceInfo(id=device, name=device, platform="android",
                                          fingerprint={"model": device}))

    started = sign_in("chen-new-phone", new_phone_ip)
    new_token = started.token
    _check(not started.trusted and started.challenge is not None,
           "a new device was trusted on the password alone")
    console.print("  • new phone: trust untrusted, challenge "
                  f"{started.challenge.id if started.challenge else '-'}")
    _check(not pay(new_token, 1_000, "her own payment from the new phone"),
           "an untrusted session paid")

    def refused(label: str, action: Callable[[Session], object]) -> None:
        try:
            with platform.db.transaction() as db:
                action(db)
        except DomainError as exc:
            console.print(f"  [red]✗[/] {label}: {exc.status} [bold]{exc.code}[/]")
            return
        raise StoryBrokenError(f"{label} was allowed")

    challenge_id = str(started.challenge.id if started.challenge else "")
    refused("a code by SMS while the freeze stands (the SIM may be the thief's)",
            lambda db: challenges.send_code(
                db, keys=keys, policy=policy, sms=platform.sms, carrier=platform.carrier,
                owner=principal(new_token), challenge_id=challenge_id, now=clock.now()))

    console.print("[bold]6.[/] From the new phone she puts the stolen one in lost mode "
                  "(an untrusted session may ring and set lost mode: easy to stop)")
    with platform.db.transaction() as db:
        command = devices.issue_command(
            db, actor=principal(new_token), device_id=stolen_device, type="lost_mode",
            message="This phone is lost. Please call 13900139000.",
            contact_number="13900139000", now=clock.now())
        console.print(f"  [green]✓[/] {command.type} queued until the phone connects")

    console.print("[bold]7.[/] The thief knows her password and signs in from a laptop")
    thief = sign_in("thief-laptop", laptop_ip)
    _check(not thief.trusted, "the thief's laptop was trusted")
    refused("thief names new trusted contacts", lambda db: identity.set_trusted_contacts(
        db, keys=keys, policy=policy, owner=principal(thief.token), contacts=[], now=clock.now()))
    refused("thief changes the payment PIN", lambda db: credentials.set_pin(
        db, keys=keys, policy=policy, owner=principal(thief.token), pin="951847",
        current_pin=PIN, now=clock.now()))
    _check(not pay(thief.token, 20_000, "thief's payment from the laptop"), "the thief paid")

    console.print("[bold]8.[/] At a bank branch a teller checks her resident ID in person, "
                  "lifts the freeze and trusts her new phone")
    teller = Principal(role=Role.TELLER, id="demo-teller")
    with platform.db.transaction() as db:
        lifted = restrictions.lift(
            db, actor=teller, restriction_id=in_force("freeze")[0], policy=policy, keys=keys,
            reason="in-person identity check at the branch", now=clock.now(),
            document=restrictions.DocumentEvidence(document_type="resident_id",
                                                   document_number=chen.id_number,
                                                   branch="ICBC Beijing Xidan"))
        until = lifted.cancellable_until
    _check(not in_force("freeze"), "the teller's lift did not lift")
    console.print(f"  [green]✓[/] lifted; every channel told; she can undo it until "
                  f"{until:%Y-%m-%d %H:%M} UTC" if until else "  [green]✓[/] lifted")
    for label, token in (("the thief's laptop", thief.token), ("her new phone", new_token)):
        try:
            principal(token)
        except DomainError:
            console.print(f"  [green]✓[/] the lift ended {label}'s untrusted session")
        else:
            raise StoryBrokenError(f"{label}'s untrusted session outlived the lift")
    new_token = sign_in("chen-new-phone", new_phone_ip).token
    with platform.db.transaction() as db:
        challenges.trust_device_by_staff(db, actor=teller, device_id=str(
            principal(new_token).device_id), reason="resident ID checked at the branch",
            now=clock.now())
    _check(principal(new_token).trusted, "the teller could not trust her new phone")
    console.print("  [green]✓[/] her new phone is trusted (staff, after the in-person check)")

    console.print("[bold]9.[/] From the trusted phone she wipes the stolen one; it connects "
                  "with its old token")
    with platform.db.transaction() as db:
        command = devices.issue_command(db, actor=principal(new_token),
                                        device_id=stolen_device, type="wipe", now=clock.now())
        console.print(f"  [green]✓[/] {command.type} queued until the phone connects")
    with platform.db.transaction() as db:
        reachable = devices.lost_device_commands_stay_reachable(
            db, user_id=auth.session_owner(stolen_token),
            token_digest=keys.token_digest(stolen_token))
        _check(reachable is not None and reachable.id == stolen_device,
               "the lost phone could not fetch its commands")
        assert reachable is not None
        for command in devices.fetch_commands(db, device=reachable, now=clock.now()):
            shown = f": “{command.message}”" if command.message else ""
            console.print(f"  • received {command.type}{shown}")
            devices.acknowledge_command(db, device=reachable, command_id=command.id,
                                        now=clock.now())
    with platform.db.transaction() as db:
        gone = devices.lost_device_commands_stay_reachable(
            db, user_id=auth.session_owner(stolen_token),
            token_digest=keys.token_digest(stolen_token))
    _check(gone is None, "the wiped phone still reaches the wallet")
    console.print("  [green]✓[/] the phone is wiped; its sessions are gone for good")

    console.print("[bold]10.[/] She calls the payment apps and ticks them off")
    with platform.db.transaction() as db:
        owner = principal(new_token)
        for item in view["checklist"]:
            if item["category"] == "payment":
                incidents.tick_checklist_item(db, actor=owner, incident_id=incident_id,
                                              item_id=item["id"], done=True, now=clock.now())
                console.print(f"  [green]✓[/] {item['name']} ({item['hotline']}) done")

    console.print("[bold]11.[/] Back, under observation for "
                  f"{policy.restrictions.observation_days} days")
    with platform.db.transaction() as db:
        wallet = wallets.wallet_view(db, path=platform.money, owner=principal(new_token),
                                      now=clock.now())
    _check(wallet["under_observation"], "no observation after a lost-phone freeze")
    console.print(f"  • daily limit ¥{wallet['daily_limit'] / 100:,.2f} (halved), "
                  f"password-free {'on' if wallet['password_free']['enabled'] else 'off'}")
    _check(pay(new_token, 1_250, "coffee again, with her PIN"), "no payment after the lift")

    console.print("[bold]12.[/] The books")
    with platform.db.transaction() as db:
        report_ = audit.verify(db)
        books = ledger.check_conservation(db)
    _check(report_.first_break is None, f"the audit chain breaks: {report_.first_break}")
    _check(books.ok, "the ledger does not balance")
    console.print(f"  [green]✓[/] audit: {report_.events} events in {report_.chains} chains "
                  "verify")
    console.print("  [green]✓[/] ledger: money is conserved")
    console.print(Panel.fit(
        "One report stopped payments, ended the phone's sessions, turned biometric and\n"
        "password-free payments off and told her channels and linked platforms — before it\n"
        "answered. Her password got the thief nothing but an untrusted session. Getting the\n"
        "wallet back took an in-person check, and can be undone.",
        border_style="green"))
