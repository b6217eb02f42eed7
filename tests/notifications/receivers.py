"""Real receivers on loopback: an SMTP server (aiosmtpd) and an HTTP webhook endpoint.

Each fails the first ``fail_first`` attempts of every message, counts every copy that
arrives (``raw``) and accepts a message once per idempotency key (``accepted``), as a
receiver following the delivery contract does."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from walletguard.notifications import webhooks


class Tally:
    def __init__(self, fail_first: int) -> None:
        self.fail_first = fail_first
        self.tries: Counter[str] = Counter()
        self.raw: Counter[str] = Counter()
        self.accepted: dict[str, Any] = {}
        self.lock = threading.Lock()

    def arrive(self, key: str, content: Any) -> bool:
        """True: accept (2xx / 250); False: fail this attempt."""
        with self.lock:
            self.tries[key] += 1
            if self.tries[key] <= self.fail_first:
                return False
            self.raw[key] += 1
            self.accepted.setdefault(key, content)
            return True


class _SmtpHandler:
    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message: Message = message_from_bytes(envelope.content)
        key = str(message["Message-ID"]).strip("<>").split("@")[0]
        if not self.tally.arrive(key, message):
            return "451 4.3.0 try again later"
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(fail_first: int = 0) -> Iterator[tuple[int, Tally]]:
    tally = Tally(fail_first)
    port = _free_port()  # aiosmtpd's start-up probe cannot connect to port 0
    controller = Controller(_SmtpHandler(tally), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, tally
    finally:
        controller.stop()


class WebhookReceiver:
    """Verifies every request with ``webhooks.verify`` and refuses a bad one with 400.
    ``hold`` names a key whose first accepted copy is held ``hold_seconds`` before the
    answer (the receiver has taken it; the sender has not heard): ``held`` is set then."""

    def __init__(self, secret: bytes, fail_first: int, tolerance: int = 300) -> None:
        self.secret = secret
        self.tally = Tally(fail_first)
        self.tolerance = tolerance
        self.refused = 0
        self.hold: str | None = None
        self.hold_seconds = 0.0
        self.held = threading.Event()


@contextmanager
def webhook_server(secret: bytes, fail_first: int = 0) -> Iterator[tuple[str, WebhookReceiver]]:
    receiver = WebhookReceiver(secret, fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                webhooks.verify(receiver.secret, body,
                                self.headers.get(webhooks.SIGNATURE_HEADER),
                                now=datetime.now(UTC), tolerance_seconds=receiver.tolerance)
            except webhooks.InvalidSignature:
                receiver.refused += 1
                self._answer(400)
                return
            key = self.headers[webhooks.MESSAGE_ID_HEADER]
            if not receiver.tally.arrive(key, body):
                self._answer(503)
                return
            if key == receiver.hold and not receiver.held.is_set():
                receiver.held.set()
                threading.Event().wait(receiver.hold_seconds)
            self._answer(200)

        def _answer(self, status: int) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender went away (killed): the receiver has the message anyway

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", receiver
    finally:
        server.shutdown()
        server.server_close()
