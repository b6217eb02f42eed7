"""The priority lane's own server (``walletguard serve --priority-port``): a process of
its own for freezes, lost-phone reports and lock placements, on the same database, that
takes nothing else (http.admission)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import _free_port, running_server
from walletguard.ledger.models import LedgerTransfer
from walletguard.runtime import Platform

PIN_AUTH = {"method": "pin", "pin": factories.PIN}


@dataclass(frozen=True)
class Lanes:
    main: str
    priority: str


def _answers(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def lanes(database_url: str, data_dir: Path) -> Iterator[Lanes]:
    port = _free_port()
    priority = f"http://127.0.0.1:{port}"
    with running_server(database_url, data_dir, workers=1,
                        args=("--priority-port", str(port))) as main:
        deadline = time.monotonic() + 60
        while not _answers(priority):
            assert time.monotonic() < deadline, "the priority lane did not start"
            time.sleep(0.2)
        yield Lanes(main, priority)
    assert not _answers(priority), "the priority lane outlived its server"


def _payments(platform: Platform, user_id: str) -> int:
    with platform.db.transaction() as db:
        return db.scalar(select(func.count()).select_from(LedgerTransfer).where(
            LedgerTransfer.user_id == user_id, LedgerTransfer.kind == "payment")) or 0


def test_a_freeze_on_the_priority_lane_stops_payments_on_the_main_one(
    platform: Platform, lanes: Lanes,
) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    merchant = factories.merchant(platform)

    frozen = httpx.post(lanes.priority + "/v1/freeze", json={"reason": "phone stolen"},
                        headers=owner.headers, timeout=30)
    assert frozen.status_code == 201, frozen.text
    paid = httpx.post(lanes.main + "/v1/payments", timeout=30,
                      json={"merchant_id": merchant, "amount": 100, "auth": PIN_AUTH},
                      headers={**owner.headers, "Idempotency-Key": "after-freeze"})
    factories.assert_problem(paid, 403, "account_frozen")


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/v1/payments"), ("POST", "/v1/transfers"), ("GET", "/v1/wallet"),
    ("POST", "/v1/sessions"),
])
def test_the_priority_lane_takes_nothing_else(
    platform: Platform, lanes: Lanes, method: str, path: str,
) -> None:
    """A client pointed at it by mistake is told so (421), and nothing is done."""
    owner = factories.register_owner(platform, balance=10_000)
    merchant = factories.merchant(platform)
    answer = httpx.request(method, lanes.priority + path, timeout=30,
                           json={"merchant_id": merchant, "amount": 100, "auth": PIN_AUTH},
                           headers={**owner.headers, "Idempotency-Key": f"wrong-{path}"})
    problem = factories.assert_problem(answer, 421, "misdirected")
    assert "main address" in str(problem["detail"])
    assert _payments(platform, owner.user_id) == 0
    # The main address takes it.
    if path == "/v1/payments":
        paid = httpx.post(lanes.main + path, timeout=30,
                          json={"merchant_id": merchant, "amount": 100, "auth": PIN_AUTH},
                          headers={**owner.headers, "Idempotency-Key": f"wrong-{path}"})
        assert paid.status_code == 201, paid.text
        assert _payments(platform, owner.user_id) == 1


def test_the_priority_lane_answers_health_and_metrics(lanes: Lanes) -> None:
    assert httpx.get(lanes.priority + "/readyz", timeout=30).status_code == 200
    metrics = httpx.get(lanes.priority + "/metrics", timeout=30)
    assert metrics.status_code == 200
    assert "walletguard_" in metrics.text
