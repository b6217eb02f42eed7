"""Staff console pages without a browser: an institution issues an emergency payment code
after the in-person document check (seed 002 §8), and the agent's timeline reads newest
first with an "older" link."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from walletguard.audit import service as audit
from walletguard.recovery.models import EmergencyCode
from walletguard.web import kit


def _signed_in(client: TestClient, platform: factories.ManualPlatform, role: str) -> TestClient:
    client.cookies.set(kit.STAFF_COOKIE, factories.api_key(platform, role))
    return client


def _post(client: TestClient, path: str, **data: str) -> Any:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/staff/login").text)
    assert found
    return client.post(path, data={**data, "csrf": found.group(1)}, follow_redirects=False)


def _codes(platform: factories.ManualPlatform, user_id: str) -> list[EmergencyCode]:
    with platform.db.transaction() as db:
        return list(db.execute(select(EmergencyCode).where(
            EmergencyCode.user_id == user_id)).scalars())


def test_an_institution_issues_a_code_once_after_checking_the_holders_document(
        client: TestClient, platform: factories.ManualPlatform, merchant: str) -> None:
    owner = factories.register_owner(platform, balance=20_000)
    desk = _signed_in(client, platform, "institution")
    first = desk.get("/staff", follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (303, "/staff/emergency-codes")
    form = {"phone": owner.phone, "document_type": "resident_id",
            "branch": "Ruijin Hospital emergency desk", "amount": "30000"}
    # Someone else's ID number: refused next to the field, nothing issued.
    wrong = _post(desk, "/staff/emergency-codes", **form, document_checked="1",
                  document_number="110105198805120000")
    assert wrong.status_code == 422
    assert re.search(r'id="f-document_number"[^>]*aria-invalid="true"', wrong.text)
    unchecked = _post(desk, "/staff/emergency-codes", **form, document_number=owner.id_number)
    assert unchecked.status_code == 422 and 'id="f-document_checked-error"' in unchecked.text
    nobody = _post(desk, "/staff/emergency-codes", **{**form, "phone": factories.phone()},
                   document_checked="1", document_number=owner.id_number)
    assert nobody.status_code == 404 and 'id="f-phone-error"' in nobody.text
    assert _codes(platform, owner.user_id) == []

    issued = _post(desk, "/staff/emergency-codes", **form, document_checked="1",
                   document_number=owner.id_number)
    assert issued.status_code == 200, issued.text
    found = re.search(r'id="emergency-code">([0-9A-Z]{10})<', issued.text)
    assert found
    (row,) = _codes(platform, owner.user_id)
    assert row.document == {"checked_in_person": True, "by": row.issued_by,
                            "document_type": "resident_id",
                            "place": "Ruijin Hospital emergency desk"}
    assert found.group(1) not in str(row.code_digest) and owner.id_number not in issued.text
    # The owner pays with it, once.
    pay = {"merchant_id": merchant, "amount": 12_000,
           "auth": {"method": "emergency_code", "code": found.group(1)}}
    paid = client.post("/v1/payments", headers=owner.headers, json=pay)
    assert paid.status_code == 201, paid.text
    again = client.post("/v1/payments", headers=owner.headers, json=pay)
    assert again.status_code == 403, again.text


def test_only_institutions_see_the_code_page(
        client: TestClient, platform: factories.ManualPlatform) -> None:
    agent = _signed_in(client, platform, "agent")
    page = agent.get("/staff")
    assert "/staff/emergency-codes" not in page.text
    assert agent.get("/staff/emergency-codes", follow_redirects=False).status_code == 303


def test_the_agents_timeline_is_newest_first_and_pages_back(
        client: TestClient, platform: factories.ManualPlatform) -> None:
    owner = factories.register_owner(platform)
    for i in range(35):
        with platform.db.transaction() as db:
            audit.append(db, actor="test", action="test.note", subject=owner.user_id,
                         at=platform.clock.now(), chain=owner.user_id, reason=f"note {i:02d}")
    agent = _signed_in(client, platform, "agent")
    newest = agent.get(f"/staff/users/{owner.user_id}").text
    reasons = re.findall(r"<td>(note \d\d)</td>", newest)
    assert reasons[:3] == ["note 34", "note 33", "note 32"] and len(reasons) == 30
    older = re.search(r'href="(/staff/users/[^"]+\?before=\d+)#timeline" rel="next"', newest)
    assert older
    rest = agent.get(older.group(1)).text
    assert re.findall(r"<td>(note \d\d)</td>", rest) == [f"note {i:02d}" for i in range(4, -1, -1)]
    assert "user.registered" in rest and 'rel="next"' not in rest


def test_a_teller_records_the_counter_check_on_an_open_recovery_case(
        client: TestClient, platform: factories.ManualPlatform) -> None:
    """Seed 004: the owner at the branch. The check is recorded on the case the owner
    opened (120 points: enough for any purpose); a wrong number is said next to its field
    of that case's form and records nothing."""
    owner = factories.register_owner(platform)
    opened = client.post("/v1/recovery-cases", json={"phone": owner.phone,
                                                     "purpose": "unfreeze"})
    case_id = opened.json()["id"]
    teller = _signed_in(client, platform, "teller")
    page = teller.get(f"/staff/users/{owner.user_id}").text
    assert f'id="case-{case_id}"' in page
    here = f"/staff/users/{owner.user_id}/recovery-cases/{case_id}/branch-check"
    wrong = _post(teller, here, document_type="resident_id",
                  document_number="110105198805120000", branch="ICBC Shanghai Xuhui")
    assert wrong.status_code == 422
    assert f'id="f-{case_id}-document_number-error"' in wrong.text
    assert 'id="f-document_number-error"' not in wrong.text  # not on the lift forms
    done = _post(teller, here, document_type="resident_id", document_number=owner.id_number,
                 branch="ICBC Shanghai Xuhui")
    assert done.status_code == 303, done.text
    after = teller.get(done.headers["location"]).text
    assert "120 / 80" in after or "120 of 80" in after
    with platform.db.transaction() as db:
        actions = [e.action for e in audit.events_for(db, subject=owner.user_id).items]
    assert actions[0] == "recovery.branch_verified"
