"""Creating a merchant is idempotent in the use case: the CLI, the demo and the API get
the same merchant back for a retried key."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests import factories
from walletguard.errors import IdempotencyConflict
from walletguard.payments import operator as operations
from walletguard.payments.models import Merchant
from walletguard.runtime import Platform


def merchants(platform: Platform) -> int:
    with platform.db.transaction() as db:
        return int(db.execute(select(func.count()).select_from(Merchant)).scalar_one())


def test_a_retried_key_gets_the_first_merchant_without_http(platform: Platform) -> None:
    def create(name: str) -> str:
        with platform.db.transaction() as db:
            return operations.create_merchant(db, actor=factories.OPERATOR,
                                              policy=platform.policy, name=name,
                                              category="retail", now=platform.clock.now(),
                                              idempotency_key="shop-1").id

    first = create("便利店")
    assert create("便利店") == first
    with pytest.raises(IdempotencyConflict):
        create("another shop")
    assert merchants(platform) == 1


def test_a_retried_merchant_over_http_is_one_merchant(
    client: TestClient, platform: Platform
) -> None:
    headers = {**factories.staff_headers(platform, "operator"), "Idempotency-Key": "m-1"}
    body = {"name": "便利店", "category": "retail"}
    first = client.post("/v1/merchants", json=body, headers=headers)
    again = client.post("/v1/merchants", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert merchants(platform) == 1
