"""Both languages complete, every word a template asks for present, the choice honoured."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from walletguard.web import i18n

TEMPLATES = Path(i18n.__file__).parent / "templates"


def test_every_message_has_both_languages() -> None:
    empty = [k for k, (en, zh) in i18n.MESSAGES.items() if not en.strip() or not zh.strip()]
    assert empty == []
    for key, (en, zh) in i18n.MESSAGES.items():
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", zh)), key


def test_every_key_a_template_names_is_in_the_table() -> None:
    named = {m for path in TEMPLATES.rglob("*.html")
             for m in re.findall(r'\bt\("([a-z_.]*[a-z_])"[),]', path.read_text())}
    assert named, "the templates name no messages: the pattern is wrong"
    assert sorted(named - set(i18n.MESSAGES)) == []


@pytest.mark.parametrize(("cookie", "header", "chosen"), [
    (None, "en-US,en;q=0.9", "en"),
    (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    (None, "fr-FR,en;q=0.5,zh;q=0.4", "en"),
    (None, "en;q=0.2,zh-TW;q=0.8", "zh-CN"),
    (None, None, "zh-CN"),
    ("en", "zh-CN", "en"),
    ("xx", "en", "en"),
])
def test_the_switch_wins_then_accept_language(cookie: str | None, header: str | None,
                                             chosen: str) -> None:
    assert i18n.choose(cookie, header) == chosen
