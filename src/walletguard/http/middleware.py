"""ASGI middleware: a body-size cap, a check on the request target, and Prometheus
request metrics."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import unquote_to_bytes

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("walletguard_http_requests_total", "HTTP requests",
                   ["method", "route", "status"])
LATENCY = Histogram("walletguard_http_request_seconds", "HTTP request latency",
                    ["method", "route"],
                    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))


class BodyLimit:
    """Refuse bodies above ``max_bytes`` with 413 problem+json, counting what arrives
    (a missing or false Content-Length does not get past it)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(413, f"request bodies are limited to {self.max_bytes} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({
            "type": "https://walletguard.dev/problems/payload_too_large",
            "title": "The request body is too large", "status": 413,
            "code": "payload_too_large",
            "detail": f"request bodies are limited to {self.max_bytes} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")


class CleanTarget:
    """Refuse a path or query string carrying control characters (``%00`` …) with 422
    before any route sees it: no id or search term legitimately holds one, and
    PostgreSQL cannot even compare text containing NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            target = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            query = scope.get("query_string", b"")
            if _CONTROL.search(unquote_to_bytes(target)) or _CONTROL.search(
                    unquote_to_bytes(query.replace(b"+", b" "))):
                body = json.dumps({
                    "type": "https://walletguard.dev/problems/invalid_input",
                    "title": "The request is not valid", "status": 422,
                    "code": "invalid_input",
                    "detail": "the URL must not contain control characters"}).encode()
                await send({"type": "http.response.start", "status": 422,
                            "headers": [(b"content-type", b"application/problem+json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class _TooLarge(HTTPException):
    """Raised from ``receive`` when a body without an honest Content-Length grows too
    large. An HTTPException, so the framework's body parsing passes it on unchanged and
    the problem handler answers 413 (or, if it escapes the app, ``BodyLimit`` does)."""


class Metrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route: Any = scope.get("route")
            path = getattr(route, "path", "unmatched")
            REQUESTS.labels(scope["method"], path, str(status[0])).inc()
            LATENCY.labels(scope["method"], path).observe(time.perf_counter() - start)
