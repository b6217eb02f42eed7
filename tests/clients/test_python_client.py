"""The typed Python client (clients/python): generated from the document this checkout
serves, and good for the README's lost-phone story against a real server.

The generated package is imported from its directory (``tests/clients/conftest.py`` puts
clients/python on ``sys.path``), never installed into the environment the tests run in.
"""

from __future__ import annotations

import filecmp
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from walletguard_client.models import MoneyOut, PinIn, Problem
from walletguard_client.types import Unset

from tests import factories
from tests.clients.conftest import CLIENT_DIR
from walletguard.ledger.models import Wallet
from walletguard.restrictions.models import Restriction
from walletguard.runtime import Platform

REGENERATE = CLIENT_DIR / "regenerate"
GENERATED = ("openapi.json", "walletguard_client")


def _tree(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def test_the_committed_client_is_what_the_served_document_generates(tmp_path: Path) -> None:
    # The generator has its own pinned virtualenv (outside the repository, never this
    # environment); the first run on a machine makes it, later runs find it.
    subprocess.run([sys.executable, str(REGENERATE), "--install-generator"], check=True,
                   capture_output=True, timeout=600)
    run = subprocess.run([sys.executable, str(REGENERATE), "--into", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    fresh, committed = {}, {}
    for name in GENERATED:
        fresh.update({f"{name}/{k}": v for k, v in _tree(tmp_path / name).items()}
                     if (tmp_path / name).is_dir() else {name: tmp_path / name})
        committed.update({f"{name}/{k}": v for k, v in _tree(CLIENT_DIR / name).items()}
                         if (CLIENT_DIR / name).is_dir() else {name: CLIENT_DIR / name})
    stale = sorted(
        set(fresh) ^ set(committed)
        | {k for k in set(fresh) & set(committed)
           if not filecmp.cmp(fresh[k], committed[k], shallow=False)})
    assert stale == [], (
        f"clients/python is stale ({len(stale)} files differ, e.g. {stale[:5]}): "
        "run `python clients/python/regenerate` and commit what it changed")
    assert len(fresh) > 100  # the package really was generated, not an empty tree


def test_the_committed_document_is_the_one_served(tmp_path: Path) -> None:
    """Cheaper than regenerating, and says which half is stale: the document itself."""
    from tests.http import openapi_walk

    served = json.dumps(openapi_walk.document(), indent=2, sort_keys=True,
                        ensure_ascii=False) + "\n"
    assert (CLIENT_DIR / "openapi.json").read_text() == served, (
        "the served OpenAPI document changed: run `python clients/python/regenerate`")


README = CLIENT_DIR / "README.md"


def tour_blocks() -> list[str]:
    """The bodies of clients/python/README.md's ```` ```python tour ```` blocks, in order."""
    pattern = re.compile(r"^```python tour\n(.*?)^```$", re.MULTILINE | re.DOTALL)
    return pattern.findall(README.read_text())


def test_the_readme_tour_runs_through_the_typed_client(
    server: str, platform: Platform, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """clients/python/README.md's lost-phone story, run as written against a real server:
    owners register and pay, the phone is reported lost, the thief is refused, an agent
    lifts, the owner's new phone earns trust and pays again. The blocks assert each typed
    answer and refusal themselves; this checks what the database says afterwards."""
    blocks = tour_blocks()
    assert len(blocks) >= 4, "clients/python/README.md lost its tour blocks"
    monkeypatch.setenv("B", server)
    monkeypatch.setenv("OP", factories.api_key(platform, "operator"))
    monkeypatch.setenv("AG", factories.api_key(platform, "agent"))
    monkeypatch.setenv("SMS", str(data_dir / "sandbox-sms.jsonl"))
    tour: dict[str, Any] = {"__name__": "tour"}
    try:
        exec(compile("\n".join(blocks), str(README), "exec"), tour)
    finally:
        if "connections" in tour:
            tour["connections"].close()

    assert isinstance(tour["wrong"], Problem) and tour["wrong"].attempts_left == 4
    assert isinstance(tour["paid_again"], MoneyOut)
    her, him = tour["owners"]["陈静"], tour["owners"]["李雷"]
    with platform.db.transaction() as db:
        balances = dict(db.execute(
            select(Wallet.user_id, Wallet.balance)
            .where(Wallet.user_id.in_([her["user_id"], him["user_id"]]))).all())
        restriction = factories.by_id(db, Restriction, tour["restriction_id"])
    # ¥5,000.00 less two coffees each (the retry with the same key charged nothing).
    assert balances == {her["user_id"]: 497_500, him["user_id"]: 498_750}
    assert restriction is not None and restriction.user_id == her["user_id"]
    assert restriction.lifted_at is not None


def test_an_unset_field_is_not_sent_and_reads_back_unset() -> None:
    """What a caller relies on when it leaves an optional field out."""
    body = PinIn(pin="730264")
    assert body.to_dict() == {"pin": "730264"}
    assert isinstance(PinIn.from_dict({"pin": "730264"}).current_pin, Unset)
