"""Every topic the code can put in the outbox has its own template in zh-CN and in en.

The topics are read from the source, not from a list someone keeps: every ``topic=``
passed to ``notifications.enqueue`` or ``notify_owner`` anywhere in the package, resolved
to its string (a literal, a constant or a conditional assigned in the module, a value of
a constant dict). A topic the scan cannot resolve fails too, so a new topic cannot hide
behind an f-string and fall back to the generic "something changed" notice."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import walletguard
from walletguard.notifications import templates

PACKAGE = Path(walletguard.__file__).parent
SENDERS = {"enqueue", "notify_owner"}
# A value for every placeholder any template uses, so nothing renders empty.
SAMPLE: dict[str, object] = {
    "amount": 123456, "limit": 50000, "kind": "payment", "transfer_id": "txn_1",
    "incident_id": "inc_1", "reported_by": "agent (hotline)", "name": "Pixel 8",
    "via": "staff", "count": 3, "hotline": "95017", "say": "freeze", "failures": 10,
    "window_hours": 1, "advice": "nothing changed", "event": "payment", "decision": "deny",
    "ceiling": 50, "window_minutes": 5, "purpose": "unfreeze",
    "how_to_cancel": "POST /v1/recovery-cases/rc_1/cancel", "approval_link": "https://x/y",
    "claim_id": "clm_1", "status": "upheld", "note": "checked with the merchant",
    "due_at": "2026-12-01T10:00:00+00:00", "cancellable_until": "2026-12-01T10:00:00+00:00",
    "expires_at": "2026-12-01T10:00:00+00:00", "completes_at": "2026-12-01T10:00:00+00:00",
}


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)}


def _assigned(tree: ast.Module, name: str) -> list[ast.expr]:
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        value = getattr(node, "value", None)
        if value is not None and any(isinstance(t, ast.Name) and t.id == name
                                     for t in targets):
            found.append(value)
    return found


def _parameters(tree: ast.Module) -> dict[ast.AST, set[str]]:
    """For each call, the parameter names of the functions around it."""
    around: dict[ast.AST, set[str]] = {}

    def visit(node: ast.AST, names: set[str]) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            args = node.args
            names = names | {a.arg for a in (*args.posonlyargs, *args.args,
                                             *args.kwonlyargs)}
        if isinstance(node, ast.Call):
            around[node] = names
        for child in ast.iter_child_nodes(node):
            visit(child, names)

    visit(tree, set())
    return around


def _resolve(tree: ast.Module, value: ast.expr) -> set[str] | None:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return {value.value}
    if isinstance(value, ast.Name):
        assigned = _assigned(tree, value.id)
        return set().union(*(_resolve(tree, v) or set() for v in assigned)) or None
    if isinstance(value, ast.IfExp):
        body, orelse = _resolve(tree, value.body), _resolve(tree, value.orelse)
        return None if body is None or orelse is None else body | orelse
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
        tables = [v for v in _assigned(tree, value.value.id) if isinstance(v, ast.Dict)]
        return set().union(*(_strings(ast.Tuple(elts=list(t.values))) for t in tables)) or None
    return None


def emitted_topics() -> tuple[dict[str, list[str]], list[str]]:
    """{topic: [where]} and the places whose topic could not be read."""
    topics: dict[str, list[str]] = {}
    unreadable: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parameters = _parameters(tree)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in SENDERS:
                continue
            for keyword in call.keywords:
                if keyword.arg != "topic":
                    continue
                where = f"{path.relative_to(PACKAGE)}:{call.lineno}"
                value = keyword.value
                if isinstance(value, ast.Name) and value.id in parameters[call]:
                    continue  # passed through (notify_owner → enqueue); its callers count
                resolved = _resolve(tree, value)
                if resolved is None:
                    unreadable.append(where)
                for topic in resolved or ():
                    topics.setdefault(topic, []).append(where)
    return topics, unreadable


TOPICS, UNREADABLE = emitted_topics()


def test_the_scan_finds_the_topics_it_should() -> None:
    # A scan that found nothing would pass everything below.
    assert {"transaction.alert", "wallet.frozen", "device.new_login", "recovery.case_opened",
            "incident.lost_phone", "lost_phone.guessing", "risk.anomalous_login",
            "dispute.opened", "dispute.status_changed", "claim.status_changed"} <= set(TOPICS)


def test_every_topic_is_one_the_scan_can_read() -> None:
    assert UNREADABLE == [], "give these a literal topic (or a constant) the test can read"


def test_every_emitted_topic_has_a_template() -> None:
    missing = {t: where for t, where in TOPICS.items() if t not in templates.TOPICS}
    assert missing == {}


def test_both_locales_have_the_same_topics() -> None:
    assert set(templates._TEMPLATES["zh-CN"]) == set(templates._TEMPLATES["en"])


@pytest.mark.parametrize("locale", templates.LOCALES)
@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_each_topic_renders_in_each_locale(topic: str, locale: str) -> None:
    shown = templates.render(topic, SAMPLE, locale=locale,
                             at=datetime(2026, 12, 1, 2, 30, tzinfo=UTC),
                             timezone="Asia/Shanghai", currency="CNY")

    assert shown.locale == locale
    assert shown.subject.strip() and shown.body.strip()
    assert topic not in shown.body, "the generic notice, not this topic's own"
    assert not re.search(r"[{}]", shown.subject + shown.body)
    has_cjk = re.search(r"[\u4e00-\u9fff]", shown.subject + shown.body) is not None
    assert has_cjk == (locale == "zh-CN")
