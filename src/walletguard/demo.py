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
from walletguard.errors import DomainError, Forbidden, InvalidInput, StepUpRequired
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
    started = _log_in(platform, owner, now)
    principal = Principal(role=Role.OWNER, id=user_id, user_id=user_id,
                          device_id=started.device.id, session_id=started.session.id,
                          trusted=started.trusted)
    token = started.token
    try:
        with platform.db.transaction() as db:
            credentials.set_pin(db, keys=platform.keys, policy=platform.policy, owner=principal,
                                pin=PIN, current_pin=None, now=now)
    except (InvalidInput, StepUpRequired):
        pass  # the PIN is set already, or this re-run signed in on a device not yet trusted
    with platform.db.transaction() as db:
        operations.top_up(db, actor=OPERATOR, user_id=user_id, amount=500_000,
                        idempotency_key=None, now=now)
    return user_id, token


def _log_in(platform: Platform, owner: DemoOwner, now: datetime) -> devices.StartedSession:
    """Sign the owner in on their demo phone — or, if an earlier run (or the tour's
    lost-phone ``curl``) reported that phone lost, on the next one."""
    for n in range(1, 100):
        device = owner.device if n == 1 else f"{owner.device}-{n}"
        try:
            with platform.db.transaction() as db:
                return devices.start_session(
                    db, keys=platform.keys, policy=platform.policy, phone=owner.phone,
                    password=PASSWORD, now=now, context=devices.LoginContext(ip="127.0.0.1"),
                    device=devices.DeviceInfo(id=device, name=device, platform="android",
                                              fingerprint={"model": device}))
        except Forbidden:
            continue  # that phone was reported lost
    raise StoryBrokenError(f"no phone left to sign {owner.name} in on")


def seed(platform: Platform) -> DemoData:
    now = platform.clock.now()
    with platform.db.transaction() as db:
        merchant = operations.create_merchant(db, actor=OPERATOR, policy=platform.policy,
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


class StoryBrokenError(RuntimeError):
    """A step of the demo story did not behave as the story says: the demo fails loudly
    (exit status 1) instead of telling a story the code does not keep."""


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise StoryBrokenError(what)


def _fresh_story_owner(platform: Platform) -> DemoOwner:
    """A new owner for each telling, so the story can be told again on the same data."""
    with platform.db.transaction() as db:
        while True:
            phone = f"+86137{secrets.randbelow(10**8):08d}"
            if identity.find_by_phone(db, vault=platform.keys.vault, phone=phone) is None:
                return DemoOwner("陈静", phone, resident_id("11010519880512001"), "chen-mate60")


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
    chen = _fresh_story_owner(platform)
    user_id, stolen_token = _owner_session(platform, chen, clock.now())

    def principal(token: str) -> Principal:
        with platform.db.transaction() as db:
            return auth.authenticate(db, keys=keys, token=token, now=clock.now(),
                                     idle_timeout=platform.session_idle_timeout)

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
                db, keys=keys, policy=policy, reporter_ip="198.51.100.7", now=clock.now(),
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

    def sign_in(device: str) -> devices.StartedSession:
        with platform.db.transaction() as db:
            return devices.start_session(
                db, keys=keys, policy=policy, phone=chen.phone, password=PASSWORD,
                now=clock.now(), context=devices.LoginContext(ip="198.51.100.7"),
                device=devices.DeviceInfo(id=device, name=device, platform="android",
                                          fingerprint={"model": device}))

    started = sign_in("chen-new-phone")
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
    thief = sign_in("thief-laptop")
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
    new_token = sign_in("chen-new-phone").token
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
            db, token_digest=keys.token_digest(stolen_token))
        _check(reachable == stolen_device, "the lost phone could not fetch its commands")
        for command in devices.fetch_commands(db, device_id=stolen_device, now=clock.now()):
            shown = f": “{command.message}”" if command.message else ""
            console.print(f"  • received {command.type}{shown}")
            devices.acknowledge_command(db, device_id=stolen_device, command_id=command.id,
                                        now=clock.now())
    with platform.db.transaction() as db:
        gone = devices.lost_device_commands_stay_reachable(
            db, token_digest=keys.token_digest(stolen_token))
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
