"""The typed Python client (clients/python): generated from the document this checkout
serves, and good for the README's lost-phone story against a real server.

The generated package is imported from its directory (``tests/clients/conftest.py`` puts
clients/python on ``sys.path``), never installed into the environment the tests run in.
"""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from walletguard_client import AuthenticatedClient, Client
from walletguard_client.api.operator import create_merchant, top_up
from walletguard_client.api.owner import (
    get_incident,
    log_in,
    pay,
    register_owner,
    send_challenge_code,
    set_payment_pin,
    verify_challenge_code,
    wallet,
)
from walletguard_client.api.public import report_lost_phone
from walletguard_client.api.staff import incidents_of_user, lift_restriction
from walletguard_client.models import (
    AuthIn,
    AuthInMethod,
    ChallengeOut,
    ChallengeOutStatus,
    CodeIn,
    CreatedOut,
    DeviceIn,
    DeviceInPlatform,
    LiftIn,
    LostPhoneReportIn,
    MerchantIn,
    MoneyOut,
    PaymentIn,
    PinIn,
    Problem,
    RegisterIn,
    SessionIn,
    SessionOut,
    SessionOutTrust,
    TopUpIn,
)
from walletguard_client.types import Unset

from tests import factories
from tests.clients.conftest import CLIENT_DIR
from walletguard.runtime import Platform

REGENERATE = CLIENT_DIR / "regenerate"
GENERATED = ("openapi.json", "walletguard_client")


def _tree(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def test_the_committed_client_is_what_the_served_document_generates(tmp_path: Path) -> None:
    # The generator has its own pinned virtualenv (outside the repository, never this
    # environment); the first run on a machine makes it, later runs find it.
    subprocess.run([sys.executable, str(REGENERATE), "--install-generator"], check=True,
                   capture_output=True, timeout=600)
    run = subprocess.run([sys.executable, str(REGENERATE), "--into", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    fresh, committed = {}, {}
    for name in GENERATED:
        fresh.update({f"{name}/{k}": v for k, v in _tree(tmp_path / name).items()}
                     if (tmp_path / name).is_dir() else {name: tmp_path / name})
        committed.update({f"{name}/{k}": v for k, v in _tree(CLIENT_DIR / name).items()}
                         if (CLIENT_DIR / name).is_dir() else {name: CLIENT_DIR / name})
    stale = sorted(
        set(fresh) ^ set(committed)
        | {k for k in set(fresh) & set(committed)
           if not filecmp.cmp(fresh[k], committed[k], shallow=False)})
    assert stale == [], (
        f"clients/python is stale ({len(stale)} files differ, e.g. {stale[:5]}): "
        "run `python clients/python/regenerate` and commit what it changed")
    assert len(fresh) > 100  # the package really was generated, not an empty tree


def test_the_committed_document_is_the_one_served(tmp_path: Path) -> None:
    """Cheaper than regenerating, and says which half is stale: the document itself."""
    from tests.http import openapi_walk

    served = json.dumps(openapi_walk.document(), indent=2, sort_keys=True,
                        ensure_ascii=False) + "\n"
    assert (CLIENT_DIR / "openapi.json").read_text() == served, (
        "the served OpenAPI document changed: run `python clients/python/regenerate`")


def _problem(answer: object, status: int, code: str) -> Problem:
    assert isinstance(answer, Problem), answer
    assert (answer.status, answer.code) == (status, code), answer
    return answer


def _session(public: Client, phone: str, device: str, name: str) -> SessionOut:
    session = log_in.sync(client=public, body=SessionIn(
        phone=phone, password=factories.PASSWORD,
        device=DeviceIn(id=device, name=name, platform=DeviceInPlatform.ANDROID)))
    assert isinstance(session, SessionOut), session
    return session


@pytest.fixture
def connect(server: str) -> Iterator[Callable[[str | None], AuthenticatedClient | Client]]:
    """``connect(token)``: a client of the test server, closed after the test."""
    with ExitStack() as opened:
        def connect(token: str | None) -> AuthenticatedClient | Client:
            client = (Client(base_url=server, timeout=30) if token is None else
                      AuthenticatedClient(base_url=server, token=token, timeout=30))
            return opened.enter_context(client)

        yield connect


def test_the_lost_phone_tour_through_the_typed_client(
    connect: Callable[[str | None], Any], platform: Platform, data_dir: Path,
) -> None:
    """The README's tour (clients/python/README.md tells it the same way)."""
    operator = connect(factories.api_key(platform, "operator"))
    agent = connect(factories.api_key(platform, "agent"))
    public = connect(None)

    shop = create_merchant.sync(client=operator, idempotency_key="shop-1",
                                body=MerchantIn(name="便利店 Corner Shop", category="retail"))
    assert shop is not None and not isinstance(shop, Problem), shop
    merchant_id = shop["id"]

    # Two owners register and sign in on their phones; the first device is trusted.
    owners = {}
    for name in ("陈静", "李雷"):
        phone, id_number = factories.phone(), factories.resident_id()
        created = register_owner.sync(client=public, body=RegisterIn(
            phone=phone, password=factories.PASSWORD, real_name=name, id_number=id_number))
        assert isinstance(created, CreatedOut), created
        session = _session(public, phone, "phone-1", "Mate 60")
        assert session.trust is SessionOutTrust.TRUSTED
        client = connect(session.token)
        assert set_payment_pin.sync_detailed(client=client, body=PinIn(
            pin=factories.PIN)).status_code == 204
        topped = top_up.sync(client=operator, idempotency_key=f"topup-{created.id}",
                             body=TopUpIn(user_id=created.id, amount=500_000))
        assert topped is not None and not isinstance(topped, Problem), topped
        owners[name] = (created.id, phone, id_number, client)
    user_id, phone, id_number, her_phone = owners["陈静"]

    def coffee(pin: str = factories.PIN, amount: int = 1_250) -> PaymentIn:
        return PaymentIn(merchant_id=merchant_id, amount=amount,
                         auth=AuthIn(method=AuthInMethod.PIN, pin=pin))

    # A PIN payment; the same Idempotency-Key again is the same payment, not a second one.
    paid = pay.sync(client=her_phone, body=coffee(), idempotency_key="coffee-1")
    assert isinstance(paid, MoneyOut), paid
    assert (paid.status, paid.amount, paid.balance) == ("succeeded", 1_250, 498_750)
    again = pay.sync(client=her_phone, body=coffee(), idempotency_key="coffee-1")
    assert isinstance(again, MoneyOut) and again.id == paid.id

    # A wrong PIN: a typed refusal that says how many tries are left.
    wrong = _problem(pay.sync(client=her_phone, body=coffee(pin="000001", amount=100)),
                     403, "invalid_pin")
    assert isinstance(wrong.attempts_left, int) and wrong.attempts_left > 0

    # The phone is stolen; from a friend's browser she reports it, signed in nowhere.
    report = report_lost_phone.sync(client=public, body=LostPhoneReportIn(
        phone=phone, real_name="陈静", id_number_last4=id_number[-4:]))
    assert report is not None and not isinstance(report, Problem), report
    assert report["incident_id"].startswith("inc_")

    # The thief, holding the phone, finds its session dead and cannot pay.
    _problem(pay.sync(client=her_phone, body=coffee(), idempotency_key="thief-1"),
             401, "unauthenticated")
    # He knows the password: a laptop gets an untrusted session, and paying is refused.
    laptop = _session(public, phone, "thief-laptop", "laptop")
    assert laptop.trust is SessionOutTrust.UNTRUSTED
    assert isinstance(laptop.challenge_id, str)
    refused = _problem(pay.sync(client=connect(laptop.token), body=coffee()),
                       403, "step_up_required")
    assert refused.challenge_id == laptop.challenge_id
    assert isinstance(refused.methods, list)
    # The other owner's wallet is untouched by her report.
    other = pay.sync(client=owners["李雷"][3], body=coffee(), idempotency_key="coffee-li")
    assert isinstance(other, MoneyOut), other

    # An agent finds the incident; the second event of its timeline is the freeze.
    incidents = incidents_of_user.sync(client=agent, user_id=user_id)
    assert incidents is not None and not isinstance(incidents, Problem), incidents
    [incident] = incidents["items"]
    detail = get_incident.sync(client=agent, incident_id=incident["id"])
    assert detail is not None and not isinstance(detail, Problem), detail
    restriction_id = detail["timeline"][1]["detail"]["restriction_id"]
    assert restriction_id.startswith("rst_")

    # Who verified her on the hotline lifts the freeze; every untrusted session ends.
    lifted = lift_restriction.sync(client=agent, restriction_id=restriction_id,
                                   body=LiftIn(reason="owner verified on the hotline"))
    assert lifted is not None and not isinstance(lifted, Problem), lifted
    assert lifted["id"] == restriction_id
    _problem(wallet.sync(client=connect(laptop.token)), 401, "unauthenticated")
    # Lifting twice is a typed conflict, not a second lift.
    _problem(lift_restriction.sync(client=agent, restriction_id=restriction_id,
                                   body=LiftIn(reason="again")), 409, "conflict")

    # Her new phone signs in untrusted and earns trust with a code sent to her phone
    # plus her PIN; then it pays again.
    new = _session(public, phone, "new-phone", "Mate 70")
    assert new.trust is SessionOutTrust.UNTRUSTED and isinstance(new.challenge_id, str)
    new_phone = connect(new.token)
    sent = send_challenge_code.sync(client=new_phone, challenge_id=new.challenge_id)
    assert isinstance(sent, ChallengeOut), sent
    code = _sms_code(data_dir / "sandbox-sms.jsonl", phone)
    approved = verify_challenge_code.sync(client=new_phone, challenge_id=new.challenge_id,
                                          body=CodeIn(code=code, pin=factories.PIN))
    assert isinstance(approved, ChallengeOut), approved
    assert approved.status is ChallengeOutStatus.APPROVED
    paid_again = pay.sync(client=new_phone, body=coffee(), idempotency_key="coffee-2")
    assert isinstance(paid_again, MoneyOut), paid_again
    assert paid_again.balance == 497_500
    balance = wallet.sync(client=new_phone)
    assert balance is not None and not isinstance(balance, Problem)
    assert balance["balance"] == 497_500


def _sms_code(sink: Path, phone: str) -> str:
    """The six-digit code in the last sandbox SMS sent to ``phone``."""
    import re

    texts = [line["text"] for line in map(json.loads, sink.read_text().splitlines())
             if line["to"] == phone]
    assert texts, f"no SMS to {phone}"
    found = re.search(r"\b\d{6}\b", texts[-1])
    assert found, texts[-1]
    return found[0]


def test_an_unset_field_is_not_sent_and_reads_back_unset() -> None:
    """What a caller relies on when it leaves an optional field out."""
    body = PinIn(pin="730264")
    assert body.to_dict() == {"pin": "730264"}
    assert isinstance(PinIn.from_dict({"pin": "730264"}).current_pin, Unset)
