"""The lost-device event a linked partner receives names the owner by a digest of the
phone number keyed with that partner's own secret, never by the number itself: the
partner matches it against its customers' numbers; a log, a proxy or a leaked endpoint
that sees the event without the secret learns nothing (docs/security.md)."""

from __future__ import annotations

import json
import threading

from fastapi.testclient import TestClient

from tests import factories
from tests.notifications.receivers import webhook_server
from tests.restrictions.support import report_body
from walletguard.notifications import service as notifications
from walletguard.notifications import webhooks, worker
from walletguard.runtime import Platform


def add_partner(platform: Platform, key: str) -> notifications.NewPartner:
    with platform.db.transaction() as db:
        return notifications.add_partner(db, vault=platform.keys.vault, key=key,
                                         name=key.title(), category="bank",
                                         webhook_url="http://placeholder",
                                         now=platform.clock.now())


def test_the_lost_device_event_carries_a_keyed_digest_of_the_phone_not_the_phone(
    client: TestClient, platform: Platform,
) -> None:
    owner = factories.register_owner(platform)
    bank, carrier = add_partner(platform, "bank-a"), add_partner(platform, "carrier-b")
    with (webhook_server(bank.secret.encode()) as (bank_url, bank_hooks),
          webhook_server(carrier.secret.encode()) as (carrier_url, carrier_hooks)):
        with platform.db.transaction() as db:
            db.get(type(bank.partner), "bank-a").webhook_url = bank_url  # type: ignore[union-attr]
            db.get(type(carrier.partner), "carrier-b").webhook_url = carrier_url  # type: ignore[union-attr]
        answer = client.post("/v1/lost-phone-reports", json=report_body(owner))
        assert answer.status_code == 202, answer.text

        worker.run(platform, stop=threading.Event(), once=True)

    (bank_body,) = bank_hooks.tally.accepted.values()
    (carrier_body,) = carrier_hooks.tally.accepted.values()
    digits = owner.phone.lstrip("+")
    for body, secret in ((bank_body, bank.secret), (carrier_body, carrier.secret)):
        assert digits not in body.decode() and digits[-8:] not in body.decode()
        event = json.loads(body)
        assert event["type"] == "wallet.owner.lost_device"
        assert "phone" not in event["data"]
        # What the partner computes for its own customer with this number.
        assert event["data"]["phone_digest"] == webhooks.phone_digest(secret.encode(),
                                                                      owner.phone)
    # Two partners cannot link their events by the digest.
    assert (json.loads(bank_body)["data"]["phone_digest"]
            != json.loads(carrier_body)["data"]["phone_digest"])
