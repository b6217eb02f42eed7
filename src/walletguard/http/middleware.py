"""ASGI middleware: a body-size cap, a check on the request target, a refusal of JSON
bodies with repeated keys, the request's id, log line and metrics, and the serving
instance's id."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from walletguard.errors import InvalidInput, PayloadTooLarge
from walletguard.http.problems import PROBLEM, send_problem
from walletguard.observability import logs, metrics
from walletguard.payments import service as payments


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
        await send_problem(send, PayloadTooLarge(
            f"request bodies are limited to {self.max_bytes} bytes"))


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
                await send_problem(send, InvalidInput(
                    "the URL must not contain control characters"))
                return
        await self.app(scope, receive, send)


class UniqueKeys:
    """Refuse a JSON body that names one key twice in an object, at any depth, with 422.

    JSON parsers disagree on ``{"amount": 1, "amount": 999}`` (Python keeps the last,
    others the first or refuse it), so a body that a proxy, a signature check or a log
    reads one way could be acted on here another way. The body is read whole (inside
    ``BodyLimit``, which has already capped it), checked, and replayed to the app; a body
    that is not JSON at all passes unchanged, for the framework to refuse."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away mid-body
                await self.app(scope, _replay([], message, receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        duplicate = _duplicate_key(body) if body else None
        if duplicate is not None:
            problem = "is given more than once in the same object"
            await send_problem(send, InvalidInput(
                f"{duplicate}: {problem}", errors=[{"field": duplicate, "problem": problem}]))
            return
        await self.app(scope, _replay([body], None, receive), send)


def _replay(chunks: list[bytes], pending: Message | None, receive: Receive) -> Receive:
    """A ``receive`` that gives the body read so far as one message, then whatever
    else was received, then defers to the client (a disconnect, later)."""
    queue: list[Message] = [{"type": "http.request", "body": b"".join(chunks),
                             "more_body": False}] if pending is None else [pending]

    async def replayed() -> Message:
        if queue:
            return queue.pop(0)
        return await receive()

    return replayed


class _Repeated(list[tuple[str, Any]]):
    """An object whose pairs name a key twice, kept as pairs to find where it is."""


def _pairs(pairs: list[tuple[str, Any]]) -> Any:
    found = dict(pairs)
    return found if len(found) == len(pairs) else _Repeated(pairs)


def _duplicate_key(body: bytes) -> str | None:
    """The dotted path of the first key given twice in one object of ``body``, if it is
    JSON with such a key."""
    try:
        parsed = json.loads(body, object_pairs_hook=_pairs)
    except (ValueError, RecursionError):
        return None  # not JSON (or too deep): the framework answers for it
    return _find_repeated(parsed, ())


def _find_repeated(value: Any, path: tuple[str, ...]) -> str | None:
    if isinstance(value, _Repeated):
        seen: set[str] = set()
        for key, _item in value:
            if key in seen:
                return ".".join((*path, key))
            seen.add(key)
    items: Any = (value.items() if isinstance(value, dict) else
                  value if isinstance(value, _Repeated) else
                  enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        found = _find_repeated(item, (*path, str(key)))
        if found is not None:
            return found
    return None


class _TooLarge(HTTPException):
    """Raised from ``receive`` when a body without an honest Content-Length grows too
    large. An HTTPException, so the framework's body parsing passes it on unchanged and
    the problem handler answers 413 (or, if it escapes the app, ``BodyLimit`` does)."""


class Observe:
    """Outermost: gives each request its id (the caller's ``X-Request-Id`` when it has
    an accepted shape, else a new one), echoes it in the response, and when the answer
    is sent writes the request's log line and metrics.

    A problem document's ``code`` is read from the response body, so refusals sent by
    any layer (a middleware, a handler, a replayed idempotent refusal) count alike. On
    the money path the payer's authentication method is read from the request body as
    it passes; nothing else of either body is kept."""

    def __init__(self, app: ASGIApp, *, pseudonym: Callable[[str | None], str]) -> None:
        self.app = app
        self.pseudonym = pseudonym

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        given = dict(scope.get("headers", ())).get(b"x-request-id")
        rid = logs.accept_request_id(given.decode("latin-1") if given is not None else None)
        token = logs.request_id.set(rid)
        status: int = 500
        code: str | None = "internal_error"  # unless an answer is sent
        problem: list[bytes] | None = None
        money = (scope["method"], scope["path"]) in _MONEY_PATHS
        body: list[bytes] = []

        async def teed() -> Message:
            message = await receive()
            if message["type"] == "http.request" and sum(map(len, body)) < _TEE_LIMIT:
                body.append(message.get("body", b""))
            return message

        async def observed(message: Message) -> None:
            nonlocal status, code, problem
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                problem = [] if any(k.lower() == b"content-type" and v.startswith(_PROBLEM)
                                    for k, v in headers) else None
                code = None if problem is None else "unknown"
                message = {**message, "headers": [
                    *headers, (b"x-request-id", rid.encode("latin-1"))]}
            elif message["type"] == "http.response.body" and problem is not None:
                problem.append(message.get("body", b""))
                if not message.get("more_body", False):
                    code = _problem_code(b"".join(problem))
            await send(message)

        try:
            await self.app(scope, teed if money else receive, observed)
        finally:
            seconds = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", "unmatched")
            client = scope.get("client")
            metrics.observe_request(method=scope["method"], route=route, status=status,
                                    seconds=seconds, code=code,
                                    auth_method=_auth_method(b"".join(body)) if money else None)
            logs.request_line(method=scope["method"], route=route, status=status,
                              duration_s=seconds, code=code,
                              client=self.pseudonym(client[0] if client else None))
            logs.request_id.reset(token)


_MONEY_PATHS = {(method, path) for method, path in metrics.MONEY_ROUTES}
_PROBLEM = PROBLEM.encode()
_TEE_LIMIT = 16 * 1024  # a payment body is well under this; past it, the method is unknown


def _problem_code(body: bytes) -> str:
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        return "unknown"
    return metrics.label(parsed.get("code")) if isinstance(parsed, dict) else "unknown"


def _auth_method(body: bytes) -> str | None:
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        return None
    auth = parsed.get("auth") if isinstance(parsed, dict) else None
    method = auth.get("method") if isinstance(auth, dict) else None
    return method if method in payments.METHODS else None


_instance: tuple[int, str] | None = None


def instance_id() -> str:
    """A random id for this process, made on first use. Keyed on the pid only to notice
    a fork: a forked worker would otherwise inherit its parent's id. Random rather than
    the pid, so it says nothing about the host and two machines cannot collide."""
    global _instance
    if _instance is None or _instance[0] != os.getpid():
        _instance = (os.getpid(), secrets.token_hex(8))
    return _instance[1]


class InstanceHeader:
    """``X-Walletguard-Instance`` on every response, refusals included: operators (and
    the race tests) see which worker process answered, so load balancing is visible."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = (b"x-walletguard-instance", instance_id().encode())

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        await self.app(scope, receive, tagged)
