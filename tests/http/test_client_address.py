"""The routes whose limits count per address need one. A request that arrives without a
peer address (a unix socket, no trusted proxy header) is refused with a problem that says
why, not counted in a bucket it would share with every other such caller."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.restrictions.support import report_body
from walletguard.app import create_app
from walletguard.auth.models import ThrottleBucket
from walletguard.runtime import Platform


class _NoPeer(httpx.ASGITransport):
    """What uvicorn passes the app for a unix-socket connection: ``client`` is None."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        app = self.app

        async def without_client(scope: Any, receive: Any, send: Any) -> None:
            await app({**scope, "client": None}, receive, send)

        self.app = without_client
        try:
            return await super().handle_async_request(request)
        finally:
            self.app = app


def _post_without_address(platform: Platform, path: str, body: dict[str, Any]) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = _NoPeer(app=create_app(platform=platform))
        async with httpx.AsyncClient(transport=transport, base_url="http://unix") as http:
            return await http.post(path, json=body)

    # In a thread of its own: while the browser tests' Playwright session is open (its
    # sync API keeps an event loop running in the main thread), anyio.run there refuses.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, go).result()


def _buckets(platform: Platform) -> list[str]:
    with platform.db.transaction() as db:
        return list(db.execute(select(ThrottleBucket.key)).scalars())


@pytest.mark.parametrize("route", ["/v1/users", "/v1/sessions", "/v1/lost-phone-reports"])
def test_a_request_without_a_client_address_is_refused_and_counted_nowhere(
    platform: Platform, route: str
) -> None:
    owner = factories.register_owner(platform)
    bodies: dict[str, dict[str, Any]] = {
        "/v1/users": {"phone": factories.phone(), "password": factories.PASSWORD,
                      "real_name": "王芳", "id_number": factories.resident_id()},
        "/v1/sessions": {"phone": owner.phone, "password": "wrong-password",
                         "device": {"id": "d", "name": "d", "platform": "web"}},
        "/v1/lost-phone-reports": report_body(owner),
    }
    before = _buckets(platform)
    answer = _post_without_address(platform, route, bodies[route])

    problem = factories.assert_problem(answer, 400, "client_address_unknown")
    assert "WALLETGUARD_FORWARDED_ALLOW_IPS" in str(problem["detail"])
    assert _buckets(platform) == before


def test_the_same_requests_over_tcp_are_counted_per_address(
    client: TestClient, platform: Platform
) -> None:
    owner = factories.register_owner(platform)
    assert client.post("/v1/lost-phone-reports", json=report_body(owner)).status_code == 202
    assert "lost:ip:testclient" in _buckets(platform)
