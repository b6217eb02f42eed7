"""Request dependencies: the platform, the transaction, the caller, the clock.

The transaction dependency has ``scope="function"``: it commits after the endpoint
returns and **before** the response is sent, so a client that saw "frozen" knows the
freeze is committed.

Dependencies that do no I/O are ``async``: FastAPI runs them on the event loop instead
of handing each to the thread pool (a measurable cost on every request). The ones every
request solves read the platform from the app (``_platform``) rather than depending on
``PlatformDep``: FastAPI solves a sub-dependency again at every place it is named, cached
or not, and each solve costs CPU (bench/http_inprocess.py, docs/benchmarks.md).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Annotated

import anyio
from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from walletguard.auth import service as auth
from walletguard.auth.principal import Principal, Role
from walletguard.errors import ClientAddressUnknown, InvalidInput, Unauthenticated
from walletguard.http import admission
from walletguard.runtime import Platform


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


async def get_platform(request: Request) -> Platform:
    return _platform(request)


PlatformDep = Annotated[Platform, Depends(get_platform)]


def transaction(request: Request) -> Iterator[Session]:
    # Freezes, lost-phone reports and lock placements take a connection from a pool
    # payments cannot exhaust (``http.admission``).
    with _platform(request).db.transaction(priority=admission.is_priority(request)) as session:
        yield session


Tx = Annotated[Session, Depends(transaction, scope="function")]


async def now(request: Request) -> datetime:
    return _platform(request).clock.now()


Now = Annotated[datetime, Depends(now)]


async def client_ip(request: Request) -> str:
    """The address the request came from (the peer's, or the client a trusted proxy names:
    ``WALLETGUARD_FORWARDED_ALLOW_IPS``), for the routes whose limits count per address:
    sign-ups, logins, public lost-phone reports. Over TCP there always is one. A request
    without one (a unix socket with no trusted proxy header) is refused here, the one
    place that decides it: pooled into one "unknown" bucket, any such caller could spend
    the allowance of every other one. The use cases read a missing address as an
    in-process caller (CLI, demo, tests), which has the database in hand anyway."""
    host = request.client.host if request.client else None
    if not host:
        raise ClientAddressUnknown(
            "this request arrived without a client address (a unix socket, and no trusted "
            "proxy naming the client); connect over TCP, or send it through a proxy listed "
            "in WALLETGUARD_FORWARDED_ALLOW_IPS")
    return host


ClientIp = Annotated[str, Depends(client_ip)]


async def password_slot(platform: PlatformDep) -> AsyncIterator[None]:
    """Reserve a password-hashing slot (``crypto.PasswordHashing``) before the request's
    transaction opens, so a login waiting for its turn holds no database connection or
    lock; after ``wait_seconds`` without one, 503 ``unavailable`` with Retry-After.

    It polls instead of blocking on the semaphore: blocking would take a thread of the
    pool every endpoint runs in, and a flood of logins would take them all."""
    hashing = platform.keys.passwords
    deadline = time.monotonic() + hashing.wait_seconds
    pause = 0.002
    while (reservation := hashing.try_reserve()) is None:
        if time.monotonic() >= deadline:
            raise hashing.busy()
        await anyio.sleep(pause)
        pause = min(pause * 2, 0.02)
    try:
        yield
    finally:
        reservation.release()


# For the routes that hash a password; route-level, so it is solved before the transaction.
PASSWORD_SLOT = Depends(password_slot, scope="function")


BEARER = HTTPBearer(
    auto_error=False, scheme_name="bearer",
    description="An owner session token (`POST /v1/sessions`) or a staff API key "
                "(`walletguard keys create`). The scopes an operation lists are the roles "
                "it admits (OpenAPI 3.1: role names for non-OAuth schemes).")


async def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> str:
    if credentials is None:
        raise Unauthenticated("send Authorization: Bearer <token>")
    token = credentials.credentials.strip()
    if not token or len(token) > 200 or not token.isascii() or not token.isprintable():
        raise Unauthenticated("malformed bearer token")
    return token


def principal(
    request: Request, db: Tx, at: Now, token: Annotated[str, Depends(bearer_token)]
) -> Principal:
    platform = _platform(request)
    return auth.authenticate(db, keys=platform.keys, policy=platform.policy, token=token,
                             now=at)


Caller = Annotated[Principal, Depends(principal)]


def role(*roles: Role, untrusted_ok: bool = False) -> object:
    """A dependency that admits only ``roles`` — the one place HTTP checks roles. The
    roles are the operation's security scopes, so ``/openapi.json`` states them. Owner
    sessions must be trusted unless ``untrusted_ok`` (``Principal.require``)."""

    async def check(caller: Caller) -> Principal:
        caller.require(*roles, untrusted_ok=untrusted_ok)
        return caller

    return Security(check, scopes=[r.value for r in roles])


Owner = Annotated[Principal, role(Role.OWNER)]
# An owner session whether or not its device is trusted: only for reading, freezing,
# reporting a device lost, ringing it and setting lost mode.
AnyOwner = Annotated[Principal, role(Role.OWNER, untrusted_ok=True)]
Agent = Annotated[Principal, role(Role.AGENT)]
Operator = Annotated[Principal, role(Role.OPERATOR)]
Staff = Annotated[Principal, role(Role.AGENT, Role.TELLER)]


async def idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str | None:
    if key is not None and not 1 <= len(key) <= 200:
        raise InvalidInput("Idempotency-Key must be 1-200 characters", field="Idempotency-Key")
    return key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
