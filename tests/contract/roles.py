"""Credentials for every role the contract tests speak as, built through the real use
cases (tests/factories) on the database the served app uses."""

from __future__ import annotations

from tests import factories
from walletguard.runtime import Platform

# The fuzzing (test_schemathesis.py) speaks as owner, agent, teller, operator and
# anonymous; an untrusted owner session is the matrix's concern: it only ever adds
# step_up_required, which the matrix checks route by route.
MATRIX_ROLES = ("owner", "untrusted", "agent", "teller", "operator", "institution",
                "anonymous")


def headers_for(platform: Platform, role: str) -> dict[str, str]:
    """``Authorization`` for ``role``: a trusted owner session (the first device, with a
    PIN and a balance), an untrusted one (a second device, its step-up unmet), a fresh
    API key per staff role, or nothing."""
    if role == "anonymous":
        return {}
    if role in ("owner", "untrusted"):
        owner = factories.register_owner(platform, balance=100_000)
        if role == "owner":
            return owner.headers
        other = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                                 device="phone-2")
        assert not other.principal.trusted
        return other.headers
    return factories.staff_headers(platform, role)
