"""``GET /v1/wallet`` says what stands on the wallet: kind, scope, since, until and who
placed it in words — never an actor ref, an address or a key id."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from tests import factories
from tests.restrictions.support import report_body
from walletguard.runtime import Platform


def test_the_wallet_shows_the_restrictions_in_force_in_words(
    client: TestClient, platform: Platform, agent: dict[str, str]
) -> None:
    owner = factories.register_owner(platform)
    assert client.get("/v1/wallet", headers=owner.headers).json()["restrictions"] == []

    mine = client.post("/v1/freeze", json={"reason": "phone lost"}, headers=owner.headers)
    hotline = client.post(f"/v1/admin/users/{owner.user_id}/restrictions",
                          json={"scope": "payments", "reason": "hotline call"}, headers=agent)
    shown = client.get("/v1/wallet", headers=owner.headers).json()["restrictions"]

    assert {r["id"]: r["placed_by"] for r in shown} == {mine.json()["id"]: "you",
                                                       hotline.json()["id"]: "agent"}
    for r in shown:
        assert sorted(r) == ["id", "kind", "placed_by", "scope", "since", "until"]
        assert (r["kind"], r["scope"], r["until"]) == ("freeze", "payments", None)
        assert datetime.fromisoformat(r["since"]) == platform.clock.now()
    assert "key_" not in str(shown) and "owner:" not in str(shown)


def test_a_public_reporters_address_never_reaches_the_wallet_view(
    client: TestClient, platform: Platform
) -> None:
    owner = factories.register_owner(platform)
    assert client.post("/v1/lost-phone-reports", json=report_body(owner)).status_code == 202
    other = factories.trust_by_staff(platform, factories.log_in(
        platform, user_id=owner.user_id, phone_number=owner.phone, device="phone-2"))
    (shown,) = client.get("/v1/wallet", headers=other.headers).json()["restrictions"]
    assert shown["placed_by"] == "public report"
    assert "testclient" not in str(shown) and "public:" not in str(shown)
