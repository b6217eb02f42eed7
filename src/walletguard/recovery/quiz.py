"""The transaction-history quiz (seed 002 §3): questions from the owner's own recent
payments — the exact amount (one of four plausible amounts), the merchant (free text,
fuzzy-matched with rapidfuzz) and the date (± a few days). It is low-assurance evidence
(``policy.recovery.low_assurance_channels``): a history is what a bribed agent or a leak
exposes, so it adds at most the low-assurance cap and never completes a case alone.

No oracle: a case with fewer than ``quiz_min_transactions`` on record, and a phantom
case, get a *decoy* quiz of exactly the same shape (made-up merchants, amounts and dates
from a keyed seed, so asking again shows the same decoy) that no answer passes. The
quiz of a real case is kept in its channel state until it is answered; a failed answer
discards it (the next request draws new questions), so repeated tries cannot walk one
quiz's choices.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, utils
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from walletguard.crypto import Keyring, keyed_digest
from walletguard.ledger.models import LedgerTransfer
from walletguard.payments.models import Merchant
from walletguard.policy import Policy

_KINDS = ("amount", "merchant", "date")
_CHOICES = 4
# Ratios that make a wrong amount look like one the owner might have paid.
_RATIOS = (0.5, 0.6, 0.75, 0.8, 0.9, 1.1, 1.2, 1.25, 1.5, 2.0)
# What decoys show: merchants of the kind every wallet pays.
_DECOY_MERCHANTS = ("便利店", "美团外卖", "星巴克", "滴滴出行", "全家", "盒马鲜生", "肯德基",
                    "麦当劳", "中国石化", "华润万家", "瑞幸咖啡", "永辉超市")


@dataclass(frozen=True)
class Quiz:
    """What the owner sees (``questions``) and what passes (``answers``; empty for a
    decoy, which nothing passes)."""

    questions: list[dict[str, Any]]
    answers: dict[str, Any]

    def pending(self) -> dict[str, Any]:
        return {"questions": self.questions, "answers": self.answers}


@dataclass(frozen=True)
class _Paid:
    amount: int
    merchant: str
    on: date


def issue(db: Session, *, keys: Keyring, policy: Policy, user_id: str, case_id: str,
          now: datetime) -> Quiz:
    """A new quiz from the owner's payments, or a decoy when there are too few."""
    rules = policy.recovery
    on_record = db.execute(select(func.count()).select_from(LedgerTransfer).where(
        LedgerTransfer.user_id == user_id)).scalar_one()
    zone = ZoneInfo(policy.timezone)
    rows = db.execute(
        select(LedgerTransfer.amount, LedgerTransfer.created_at, Merchant.name)
        .join(Merchant, Merchant.id == LedgerTransfer.counterparty_id)
        .where(LedgerTransfer.user_id == user_id, LedgerTransfer.kind == "payment",
               LedgerTransfer.created_at >= now - timedelta(days=rules.quiz_lookback_days))
        .order_by(LedgerTransfer.created_at.desc()).limit(50)).all()
    paid = [_Paid(amount=a, merchant=m, on=at.astimezone(zone).date()) for a, at, m in rows]
    if on_record < rules.quiz_min_transactions or len(paid) < rules.quiz_questions:
        return decoy(keys=keys, policy=policy, case_id=case_id, now=now)
    chooser = secrets.SystemRandom()
    return _build(chooser.sample(paid, rules.quiz_questions), chooser, real=True)


def decoy(*, keys: Keyring, policy: Policy, case_id: str, now: datetime) -> Quiz:
    """A quiz of the real shape about payments nobody made (the same one per case)."""
    rules = policy.recovery
    seeded = random.Random(keyed_digest(keys.token_key, f"history-quiz-decoy:{case_id}"))
    today = now.astimezone(ZoneInfo(policy.timezone)).date()
    made_up = [_Paid(amount=seeded.choice((100, 1, 10)) * seeded.randint(3, 4000),
                     merchant=seeded.choice(_DECOY_MERCHANTS),
                     on=today - timedelta(days=seeded.randint(0, rules.quiz_lookback_days)))
               for _ in range(rules.quiz_questions)]
    return _build(made_up, seeded, real=False)


def _build(paid: list[_Paid], rng: random.Random, *, real: bool) -> Quiz:
    questions: list[dict[str, Any]] = []
    answers: dict[str, Any] = {}
    for n, payment in enumerate(paid):
        qid, kind = f"q{n + 1}", _KINDS[n % len(_KINDS)]
        if kind == "amount":
            choices = [*_distractors(payment.amount, rng), payment.amount]
            rng.shuffle(choices)
            questions.append({"id": qid, "kind": kind, "merchant": payment.merchant,
                              "date": payment.on.isoformat(), "choices": choices})
            answer: Any = payment.amount
        elif kind == "merchant":
            questions.append({"id": qid, "kind": kind, "amount": payment.amount,
                              "date": payment.on.isoformat()})
            answer = payment.merchant
        else:
            questions.append({"id": qid, "kind": kind, "amount": payment.amount,
                              "merchant": payment.merchant})
            answer = payment.on.isoformat()
        if real:
            answers[qid] = answer
    return Quiz(questions=questions, answers=answers)


def _distractors(amount: int, rng: random.Random) -> list[int]:
    """Three other amounts of the same grain (whole yuan stays whole yuan)."""
    grain = 100 if amount % 100 == 0 else 1
    found: list[int] = []
    for ratio in rng.sample(_RATIOS, len(_RATIOS)):
        candidate = max(grain, round(amount * ratio / grain) * grain)
        if candidate != amount and candidate not in found:
            found.append(candidate)
        if len(found) == _CHOICES - 1:
            break
    step = grain
    while len(found) < _CHOICES - 1:  # tiny amounts: neighbours of the same grain
        for candidate in (amount + step, amount - step):
            if candidate > 0 and candidate != amount and candidate not in found \
                    and len(found) < _CHOICES - 1:
                found.append(candidate)
        step += grain
    return found


def score(*, policy: Policy, pending: dict[str, Any], given: dict[str, str]) -> int:
    """Out of 100: the share of questions answered right (a decoy scores 0)."""
    rules = policy.recovery
    questions = pending.get("questions") or []
    expected: dict[str, Any] = pending.get("answers") or {}
    right = 0
    for question in questions:
        qid = question["id"]
        if qid not in expected or qid not in given:
            continue
        answer = str(given[qid]).strip()
        if question["kind"] == "amount":
            right += answer.isdigit() and int(answer) == int(expected[qid])
        elif question["kind"] == "merchant":
            right += fuzz.WRatio(answer, str(expected[qid]),
                                 processor=utils.default_process) >= rules.quiz_merchant_match_min
        else:
            try:
                off = abs((date.fromisoformat(answer) - date.fromisoformat(expected[qid])).days)
            except ValueError:
                continue
            right += off <= rules.quiz_date_tolerance_days
    return 100 * right // max(1, len(questions))
