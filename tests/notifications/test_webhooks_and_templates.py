"""The verification helper partners use, and the templates in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from walletguard.notifications import webhooks
from walletguard.notifications.templates import render

SECRET = b"whsec_test_secret"
BODY = b'{"id":"wg-1","type":"wallet.owner.lost_device"}'
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_correctly_signed_recent_webhook_verifies() -> None:
    header = webhooks.sign(SECRET, BODY, at=NOW)
    assert webhooks.verify(SECRET, BODY, header, now=NOW + timedelta(seconds=299),
                           tolerance_seconds=300) == int(NOW.timestamp())


@pytest.mark.parametrize("tamper", ["body", "secret", "signature", "missing", "garbled"])
def test_a_webhook_with_a_bad_signature_is_refused(tamper: str) -> None:
    header = webhooks.sign(SECRET, BODY, at=NOW)
    body, secret = BODY, SECRET
    if tamper == "body":
        body = BODY.replace(b"lost", b"found")
    elif tamper == "secret":
        secret = b"another partner's secret"
    elif tamper == "signature":
        header = header[:-4] + "0000"
    elif tamper == "missing":
        header = ""
    else:
        header = "t=soon,v1=x"
    with pytest.raises(webhooks.InvalidSignature):
        webhooks.verify(secret, body, header, now=NOW, tolerance_seconds=300)


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_webhook_outside_the_replay_window_is_refused(skew: int) -> None:
    header = webhooks.sign(SECRET, BODY, at=NOW)
    with pytest.raises(webhooks.InvalidSignature, match="tolerance"):
        webhooks.verify(SECRET, BODY, header, now=NOW + timedelta(seconds=skew),
                        tolerance_seconds=300)


def test_a_replayed_webhook_with_a_fresh_timestamp_does_not_verify() -> None:
    old = webhooks.sign(SECRET, BODY, at=NOW - timedelta(hours=1))
    signature = old.split(",", 1)[1]
    forged = f"t={int(NOW.timestamp())},{signature}"
    with pytest.raises(webhooks.InvalidSignature, match="does not match"):
        webhooks.verify(SECRET, BODY, forged, now=NOW, tolerance_seconds=300)


@pytest.mark.parametrize(("locale", "subject", "body_has"), [
    ("zh-CN", "钱包动账提醒：¥1,234.56", ["2026年12月1日 16:00:00", "支付", "trf_7"]),
    ("en", "Wallet: payment of CN¥1,234.56", ["Dec 1, 2026", "4:00:00", "trf_7"]),
])
def test_transaction_alerts_render_in_the_owners_language(locale: str, subject: str,
                                                          body_has: list[str]) -> None:
    shown = render("transaction.alert", {"kind": "payment", "amount": 123456,
                                         "transfer_id": "trf_7"},
                   locale=locale, at=NOW, timezone="Asia/Shanghai", currency="CNY")
    assert shown.locale == locale and shown.subject == subject
    assert all(part in shown.body for part in body_has), shown.body


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_topic_the_code_sends_renders_in_both_languages(locale: str) -> None:
    from walletguard.notifications.templates import _TEMPLATES

    assert _TEMPLATES["zh-CN"].keys() == _TEMPLATES["en"].keys()
    for topic in _TEMPLATES[locale]:
        shown = render(topic, {"incident_id": "inc_1", "amount": 100, "kind": "transfer",
                               "due_at": NOW.isoformat(), "cancellable_until": NOW.isoformat(),
                               "name": "China Mobile", "hotline": "10086"},
                       locale=locale, at=NOW, timezone="Asia/Shanghai", currency="CNY")
        assert shown.subject and shown.body and "{" not in shown.body, (topic, shown)


@pytest.mark.parametrize(("locale", "kind_text"), [("zh-CN", "手机号"), ("en", "account phone")])
def test_the_old_channel_is_told_how_to_cancel_a_channel_change(locale: str,
                                                                kind_text: str) -> None:
    shown = render("recovery_channel.change_requested",
                   {"kind": "phone", "change_id": "chc_1",
                    "effective_at": NOW.isoformat(),
                    "how_to_cancel": "POST /v1/channel-changes/chc_1/cancel"},
                   locale=locale, at=NOW, timezone="Asia/Shanghai", currency="CNY")
    assert kind_text in shown.body and "/v1/channel-changes/chc_1/cancel" in shown.body
