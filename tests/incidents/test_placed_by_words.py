"""What an owner is told about who placed a restriction: words, never an actor ref (a
public report's ref once carried the reporter's address; a key id means nothing)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from walletguard.restrictions import service as restrictions
from walletguard.restrictions.models import Restriction


def placed_by(ref: str, user_id: str = "usr_owner") -> Restriction:
    return Restriction(id="rst_x", user_id=user_id, kind="freeze", scope="payments",
                       source="owner", reason="r", placed_by=ref,
                       placed_at=datetime.now(UTC))


@pytest.mark.parametrize(("ref", "words"), [
    ("owner:usr_owner", "you"),
    ("owner:usr_contact", "trusted contact"),
    ("public:lost_phone_report", "public report"),
    ("public:203.0.113.9", "public report"),  # restrictions placed before this fix
    ("agent:key_abc", "agent"),
    ("teller:key_abc", "teller"),
    ("institution:key_abc", "institution"),
    ("operator:key_abc", "operator"),
    ("system:pin-guard", "system"),
    ("something-else", "system"),
])
def test_an_owner_reads_who_placed_a_restriction_in_words(ref: str, words: str) -> None:
    assert restrictions.placed_by_label(placed_by(ref)) == words
