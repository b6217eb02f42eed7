"""Delivery channels, as ports. Each ``deliver`` either returns (the receiver accepted the
message) or raises ``DeliveryFailed``; the worker records which, after the fact.

Every delivery carries the message's idempotency key (``wg-<outbox id>``): the e-mail's
``Message-ID``, the webhook's ``Walletguard-Message-Id``. A worker killed after the
receiver accepted a message but before the acceptance was recorded delivers it again
with the same key, so the guarantee is at-least-once delivery and exactly-once
*acceptance* by a receiver that dedupes on the key (the in-app inbox does, by primary
key; the SMS and push sandboxes do not, and say so)."""

from __future__ import annotations

import smtplib
import threading
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import httpx

from walletguard.adapters import jsonl
from walletguard.adapters.sms import SmsSender
from walletguard.notifications import webhooks


class DeliveryFailed(Exception):
    """The receiver did not accept the message; ``permanent`` skips further retries."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def message_key(outbox_id: int) -> str:
    return f"wg-{outbox_id}"


class EmailSender(Protocol):
    def send(self, *, key: str, to: str, subject: str, body: str, locale: str) -> None: ...


@dataclass(frozen=True)
class SmtpEmail:
    """E-mail over SMTP (STARTTLS when the server offers it and ``starttls`` is set)."""

    host: str
    port: int
    sender: str
    timeout: float
    starttls: bool = False

    def send(self, *, key: str, to: str, subject: str, body: str, locale: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = f"<{key}@walletguard>"
        message["Content-Language"] = locale
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed(f"recipient refused: {_codes(exc.recipients)}",
                                 permanent=_permanent(exc.recipients)) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"SMTP {exc.smtp_code}",
                                 permanent=500 <= exc.smtp_code < 600) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP: {type(exc).__name__}") from None


def _codes(refused: dict[str, tuple[int, bytes]]) -> str:
    return ",".join(str(code) for code, _ in refused.values())


def _permanent(refused: dict[str, tuple[int, bytes]]) -> bool:
    return all(500 <= code < 600 for code, _ in refused.values())


class WebhookPoster(Protocol):
    def post(self, *, key: str, url: str, secret: bytes, body: bytes, at: datetime) -> None: ...


@dataclass(frozen=True)
class HttpWebhooks:
    """POSTs the JSON body, signed; any 2xx is acceptance. 4xx other than 408/429 is the
    receiver refusing this message for good (a bad URL or a rejected signature will not
    heal by retrying), so it is dead-lettered at once."""

    timeout: float

    def post(self, *, key: str, url: str, secret: bytes, body: bytes, at: datetime) -> None:
        headers = {"Content-Type": "application/json",
                   webhooks.SIGNATURE_HEADER: webhooks.sign(secret, body, at=at),
                   webhooks.MESSAGE_ID_HEADER: key,
                   "User-Agent": "walletguard-webhooks"}
        try:
            answer = httpx.post(url, content=body, headers=headers, timeout=self.timeout,
                                follow_redirects=False)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"webhook: {type(exc).__name__}") from None
        if answer.is_success:
            return
        status = answer.status_code
        raise DeliveryFailed(f"webhook HTTP {status}",
                             permanent=400 <= status < 500 and status not in (408, 429))


class SmsChannel:
    """The SMS port (``adapters/sms.py``) as a channel."""

    def __init__(self, sms: SmsSender) -> None:
        self.sms = sms

    def send(self, *, to: str, text: str, at: datetime) -> None:
        if not self.sms.available:
            raise DeliveryFailed("no SMS adapter is configured", permanent=True)
        try:
            self.sms.send(to=to, text=text, at=at)
        except OSError as exc:
            raise DeliveryFailed(f"SMS: {type(exc).__name__}") from None


class SandboxSink:
    """Push and staff notices have no provider that can run here: outside production they
    are appended to a JSON-lines file (demos and tests read it); in production the worker
    has no sink for them and dead-letters them with that reason."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, *, key: str, to: str, subject: str, body: str, at: datetime) -> None:
        jsonl.append(self.path, {"key": key, "to": to, "subject": subject, "body": body,
                                 "at": at.isoformat()}, self._lock)


@dataclass
class Channels:
    """What the worker delivers with; ``None`` is a channel not configured here."""

    email: EmailSender | None
    webhooks: WebhookPoster
    sms: SmsChannel
    push: SandboxSink | None
    staff: SandboxSink | None
