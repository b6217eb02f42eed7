"""The incident page's evidence pack: the API's PDF for a confirmed browser, the step-up
for one that is not (the pack lists every transaction)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories
from walletguard.incidents import service as incidents
from walletguard.web import kit


def test_a_confirmed_browser_downloads_the_pack_and_an_unconfirmed_one_is_sent_to_confirm(
        client: TestClient, platform: factories.ManualPlatform) -> None:
    owner = factories.register_owner(platform, balance=5_000)
    with platform.db.transaction() as db:
        incident = incidents.report_for_owner(db, policy=platform.policy,
                                              actor=owner.principal, user_id=owner.user_id,
                                              device_id=owner.device_id,
                                              now=platform.clock.now())
    here = f"/security/incidents/{incident.id}"
    # A new phone, not confirmed yet: the page says why, the download sends it to confirm.
    new_phone = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                                 device="new-phone")
    client.cookies.set(kit.OWNER_COOKIE, new_phone.token)
    assert 'id="evidence"' not in client.get(here).text
    refused = client.get(f"{here}/evidence.pdf", follow_redirects=False)
    assert (refused.status_code, refused.headers["location"]) == (303, "/security/step-up")
    # Confirmed (here by an agent, as at the branch): the API's PDF.
    factories.trust_by_staff(platform, new_phone)
    assert 'id="evidence"' in client.get(here).text
    pack = client.get(f"{here}/evidence.pdf")
    assert pack.status_code == 200, pack.text[:300]
    assert pack.headers["content-type"] == "application/pdf"
    assert pack.headers["content-disposition"].startswith("attachment;")
    assert pack.content.startswith(b"%PDF")
    assert pack.headers["content-security-policy"] == kit.CSP
    assert client.get("/security/incidents/inc_nope/evidence.pdf").status_code == 404
