"""Attackers against recovery and the emergency code, through the real 2-worker server
on both databases (data through the real use cases): each fails, with nothing changed."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import httpx
from sqlalchemy import select

from tests import factories, races
from tests.recovery.test_cases import card, new_otp_ticket
from walletguard.adapters.bank import SandboxBank
from walletguard.adapters.carrier import SandboxCarrier
from walletguard.ledger.models import LedgerTransfer, Wallet
from walletguard.recovery.models import EmergencyCode
from walletguard.runtime import Platform


def _institution_code(http: httpx.Client, platform: Platform, user_id: str,
                      amount: int) -> str:
    issued = http.post("/v1/emergency-codes", headers=factories.staff_headers(
        platform, "institution"), json={"user_id": user_id, "document_checked": True,
                                        "amount": amount})
    assert issued.status_code == 201, issued.text
    return str(issued.json()["code"])


def test_sixteen_parallel_uses_of_one_emergency_code_pay_once(
        server: str, platform: Platform) -> None:
    owner = factories.register_owner(platform, balance=100_000)
    merchant = factories.merchant(platform, name="医院药房")
    with httpx.Client(base_url=server, timeout=60) as http:
        frozen = http.post("/v1/freeze", headers=owner.headers, json={"reason": "phone lost"})
        assert frozen.status_code == 201, frozen.text
        code = _institution_code(http, platform, owner.user_id, 30_000)
    contenders = 16
    lined_up = threading.Barrier(contenders)
    results: list[httpx.Response] = []
    lock = threading.Lock()
    with races.clients_on_both_workers(server, contenders) as clients:
        def pay(client: httpx.Client) -> None:
            lined_up.wait()
            response = client.post("/v1/payments", headers=owner.headers, json={
                "merchant_id": merchant, "amount": 20_000,
                "auth": {"method": "emergency_code", "code": code}})
            with lock:
                results.append(response)

        threads = [threading.Thread(target=pay, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    races.assert_both_workers_served(results)
    statuses = Counter(r.status_code for r in results)
    assert statuses == {201: 1, 403: 15}, [r.text for r in results if r.status_code >= 500]
    assert {r.json()["code"] for r in results if r.status_code == 403} == {"invalid_code"}
    with platform.db.transaction() as db:
        wallet = db.get_one(Wallet, owner.user_id)
        paid = db.execute(select(LedgerTransfer).where(
            LedgerTransfer.user_id == owner.user_id,
            LedgerTransfer.kind == "payment")).scalars().all()
        used = db.execute(select(EmergencyCode)).scalars().one()
    assert wallet.balance == 80_000 and len(paid) == 1
    assert used.used_at is not None and used.used_for == paid[0].id


def test_an_emergency_code_never_pays_for_virtual_goods(
        server: str, platform: Platform) -> None:
    owner = factories.register_owner(platform, balance=100_000)
    with platform.db.transaction() as db:
        from walletguard.payments import operator
        game = operator.create_merchant(db, actor=factories.OPERATOR, policy=platform.policy,
                                        name="游戏点卡", category="virtual_goods",
                                        now=platform.clock.now()).id
    with httpx.Client(base_url=server, timeout=60) as http:
        code = _institution_code(http, platform, owner.user_id, 10_000)
        refused = http.post("/v1/payments", headers=owner.headers, json={
            "merchant_id": game, "amount": 5_000,
            "auth": {"method": "emergency_code", "code": code}})
    factories.assert_problem(refused, 403, "forbidden")
    with platform.db.transaction() as db:
        assert db.get_one(Wallet, owner.user_id).balance == 100_000
        assert db.execute(select(EmergencyCode.used_at)).scalar_one() is None


def test_thief_with_the_unlocked_phone_cannot_reset_the_pin_or_recover(
        server: str, platform: Platform) -> None:
    """The thief holds the owner's trusted phone (and so its SMS), not the owner's face or
    bank card: a case opened from it never reaches the bar, and the owner is told."""
    owner = factories.register_owner(platform, balance=50_000)
    assert isinstance(platform.bank, SandboxBank)
    with httpx.Client(base_url=server, timeout=60) as http:
        case = http.post("/v1/recovery-cases", json={
            "phone": owner.phone, "purpose": "reset_pin", "device": {"id": "phone-1"}}).json()
        # A card the thief found in the wallet, but whose reserved phone is another.
        stolen = card()
        platform.bank.open_card(stolen, tier="state", reserved_phone=factories.phone())
        http.post(f"/v1/recovery-cases/{case['id']}/verifications",
                  json={"channel": "bank_card", "card_number": stolen})
        guessed = http.post(f"/v1/recovery-cases/{case['id']}/verifications",
                            json={"channel": "bank_card", "card_number": stolen,
                                  "otp": "123456"})
        factories.assert_problem(guessed, 403, "verification_failed")
        refused = http.post(f"/v1/recovery-cases/{case['id']}/complete",
                            json={"new_pin": "582913"})
        factories.assert_problem(refused, 409, "conflict")
        # Changing the PIN without the current one is not possible from the phone either.
        direct = http.put("/v1/payment-pin", headers=owner.headers, json={"pin": "582913"})
        factories.assert_problem(direct, 422, "invalid_input")


def test_sim_swapper_with_a_leaked_id_number_cannot_recover_to_a_new_device(
        server: str, platform: Platform) -> None:
    """The SIM-swapper receives the bank's OTP (same number, new SIM) and knows the ID
    number from a leak, but has neither the owner's face nor the document."""
    owner = factories.register_owner(platform, balance=50_000)
    assert isinstance(platform.carrier, SandboxCarrier) and isinstance(platform.bank, SandboxBank)
    platform.carrier.record_sim_change(owner.phone, platform.clock.now() - timedelta(hours=1))
    number = card()
    platform.bank.open_card(number, tier="state", reserved_phone=owner.phone)
    with httpx.Client(base_url=server, timeout=60) as http:
        factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                         device="swapper-phone")
        case = http.post("/v1/recovery-cases", json={
            "phone": owner.phone, "purpose": "new_device",
            "device": {"id": "swapper-phone"}}).json()
        ticket = new_otp_ticket(platform.bank, lambda: http.post(
            f"/v1/recovery-cases/{case['id']}/verifications",
            json={"channel": "bank_card", "card_number": number}))
        got = http.post(f"/v1/recovery-cases/{case['id']}/verifications",
                        json={"channel": "bank_card", "card_number": number,
                              "otp": platform.bank.sent_code(ticket)})
        assert got.status_code == 200 and got.json()["assurance"] == 0
        assert got.json()["required_assurance"] == 110
        forged = http.post(f"/v1/recovery-cases/{case['id']}/verifications",
                           json={"channel": "id_document", "document_image": "forged",
                                 "selfie_image": "swapper"})
        factories.assert_problem(forged, 403, "verification_failed")
        refused = http.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
        factories.assert_problem(refused, 409, "conflict")
