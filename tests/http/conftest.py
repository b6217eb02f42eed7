"""Credentials for every role, built through the real use cases."""

from __future__ import annotations

import pytest

from tests import factories
from walletguard.runtime import Platform

STAFF_ROLES = ("operator", "agent", "teller", "institution")


@pytest.fixture
def owner(platform: Platform) -> factories.Owner:
    return factories.register_owner(platform, balance=10_000)


@pytest.fixture
def role_headers(platform: Platform, owner: factories.Owner) -> dict[str, dict[str, str]]:
    """``Authorization`` headers by role: an owner session and one API key per staff role."""
    headers = {"owner": owner.headers}
    for role in STAFF_ROLES:
        headers[role] = {"Authorization": f"Bearer {factories.api_key(platform, role)}"}
    return headers
