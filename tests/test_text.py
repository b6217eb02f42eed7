"""Free text and names: the rules of walletguard.text, and the services that apply them
when called directly (the CLI and other services do not pass through the request
models). Attacks over HTTP are replayed in tests/attacks/test_input_hardening.py."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests import factories
from tests.restrictions.support import snapshot
from tests.test_cli import invoke, stored_keys
from walletguard import text
from walletguard.errors import InvalidInput
from walletguard.identity import service as identity
from walletguard.identity import validation
from walletguard.restrictions import service as restrictions
from walletguard.runtime import Platform

NOTHING_VISIBLE = ["", "   ", "\u200b", "\u2060", "\u200b\u200c\u200d\ufeff", "\u3000",
                   "\u3164", "\u2800", "\u0301", "\u202e"]
BIDI = sorted(text.BIDI_CONTROLS)


@pytest.mark.parametrize("value", NOTHING_VISIBLE)
def test_text_with_nothing_visible_is_refused(value: str) -> None:
    with pytest.raises(text.TextRefused):
        text.clean_text(value, max_length=100)
    with pytest.raises(text.TextRefused, match=r"bidirectional|visible"):
        text.clean_name(value or " ", max_length=100)


@pytest.mark.parametrize("control", BIDI)
def test_any_bidi_control_is_refused_even_among_visible_text(control: str) -> None:
    for check in (text.clean_text, text.clean_name):
        with pytest.raises(text.TextRefused, match="bidirectional"):
            check(f"phone{control} lost", max_length=100)


def test_free_text_is_nfkc_and_names_are_nfc() -> None:
    assert text.clean_text(" ＡＢＣ　ｌｏｓｔ ﬁ ", max_length=100) == "ABC lost fi"
    assert text.clean_name("e\u0301 Ｋ", max_length=100) == "é Ｋ"
    assert text.clean_text("line one\nline two", max_length=100) == "line one\nline two"
    with pytest.raises(text.TextRefused, match="control"):
        text.clean_name("line one\nline two", max_length=100)
    with pytest.raises(text.TextRefused, match="at most 3"):
        text.clean_text("\ufdfa", max_length=3)  # one character, eighteen in NFKC


def test_names_are_the_same_whichever_normal_form() -> None:
    assert text.same_name(unicodedata.normalize("NFD", "Zoë"), "Zoë ")
    assert not text.same_name("Zoe", "Zoë")


def test_a_masked_name_shows_nothing_that_draws_nothing() -> None:
    assert validation.mask_name("\u202e静陈") == "静*"
    assert validation.mask_name("\u200b\u2067陈静\u2069") == "陈*"
    assert validation.mask_name("\u202e") == "*"


@pytest.mark.parametrize("reason", ["\u200b", "\u2060 ", "lost\u202e"])
def test_restriction_services_refuse_reasons_with_nothing_visible_or_bidi_controls(
    platform: Platform, reason: str,
) -> None:
    owner = factories.register_owner(platform)
    now = platform.clock.now()
    with platform.db.transaction() as db:
        placed = restrictions.agent_freeze(db, actor=factories.AGENT, user_id=owner.user_id,
                                           scope=restrictions.Scope.ACCOUNT, reason="hotline",
                                           now=now)
        placed_id = placed["id"]
    before = snapshot(platform)

    attempts: tuple[Callable[[Session], object], ...] = (
        lambda db: restrictions.owner_freeze(db, actor=owner.principal, reason=reason, now=now),
        lambda db: restrictions.agent_freeze(db, actor=factories.AGENT, user_id=owner.user_id,
                                             scope=restrictions.Scope.ACCOUNT, reason=reason,
                                             now=now),
        lambda db: restrictions.lift(db, actor=factories.AGENT, restriction_id=placed_id,
                                     reason=reason, policy=platform.policy, keys=platform.keys,
                                     now=now),
        lambda db: restrictions.lift(
            db, actor=factories.TELLER, restriction_id=placed_id, reason="seen in person",
            policy=platform.policy, keys=platform.keys, now=now,
            document=restrictions.DocumentEvidence(document_type="resident_id",
                                                   document_number=owner.id_number,
                                                   branch=reason)),
    )
    for attempt in attempts:
        with pytest.raises(InvalidInput), platform.db.transaction() as db:
            attempt(db)
    assert snapshot(platform) == before


def test_registration_stores_the_name_in_nfc_and_refuses_bidi_controls(
    platform: Platform,
) -> None:
    now = platform.clock.now()
    with platform.db.transaction() as db:
        user = identity.register(db, keys=platform.keys, policy=platform.policy, now=now,
                                 data=identity.Registration(
                                     phone=factories.phone(), password=factories.PASSWORD,
                                     real_name=unicodedata.normalize("NFD", " Zoë "),
                                     id_number=factories.resident_id()))
        assert platform.keys.vault.open("real_name", user.real_name_sealed) == "Zoë"
    with pytest.raises(InvalidInput) as refused, platform.db.transaction() as db:
        identity.register(db, keys=platform.keys, policy=platform.policy, now=now,
                          data=identity.Registration(
                              phone=factories.phone(), password=factories.PASSWORD,
                              real_name="\u202e静陈", id_number=factories.resident_id()))
    assert refused.value.extra["field"] == "real_name"


def test_trusted_contact_relations_are_free_text(platform: Platform) -> None:
    owner = factories.register_owner(platform)
    contacts = [factories.register_owner(platform, device=f"c{i}") for i in range(3)]
    before = snapshot(platform)
    with pytest.raises(InvalidInput) as refused, platform.db.transaction() as db:
        identity.set_trusted_contacts(
            db, keys=platform.keys, policy=platform.policy, owner=owner.principal,
            now=platform.clock.now(),
            contacts=[identity.ContactEntry(phone=c.phone, relation=r)
                      for c, r in zip(contacts, ["sister", "friend", "\u2060"], strict=True)])
    assert refused.value.extra["field"] == "contacts.2.relation"
    assert snapshot(platform) == before


@pytest.mark.parametrize("name", ["\u200b", "ops\u202elaptop"])
def test_keys_create_refuses_a_name_with_nothing_visible_or_bidi_controls(
    platform: Platform, database_url: str, data_dir: Path, name: str,
) -> None:
    result = invoke(database_url, data_dir, "keys", "create", "--role", "agent",
                    "--name", name)
    assert result.returncode == 2
    assert "name" in result.stderr
    assert stored_keys(platform) == []
