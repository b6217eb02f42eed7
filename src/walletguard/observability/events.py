"""Business events, counted and logged once they are committed.

``audit.service.append`` hands every event here as it is added. It is written out only
after the transaction commits: a use case that fails later rolls its audit row back, and
a refusal judged in a savepoint that is rolled back drops the rows written inside it, so
neither must appear as something that happened."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction

from walletguard.observability import logs, metrics

_PENDING = "walletguard.observability.pending"


class AuditRecord(Protocol):
    action: str
    reason: str | None
    data: dict[str, Any]


def recorded(db: Session, record: AuditRecord) -> None:
    """Note ``record`` (already added to ``db``) to be counted when ``db`` commits."""
    db.info.setdefault(_PENDING, []).append(record)


def _outcome(action: str) -> str:
    return "refused" if action.endswith(("declined", "denied")) else "done"


def _labels(record: AuditRecord) -> dict[str, str]:
    """The parts of an event safe to publish: closed-set words only. The reason (free
    text an owner or agent wrote, except for a decline, whose reason is the refusal's
    code), the subject (a user id) and the rest of the data stay in the audit log."""
    data = record.data or {}
    labels: dict[str, str] = {key: metrics.label(data[key])
                              for key in ("source", "scope") if key in data}
    if _outcome(record.action) == "refused" and record.reason is not None:
        labels["code"] = metrics.label(record.reason)
    return labels


def _emit(record: AuditRecord) -> None:
    action, outcome, labels = metrics.label(record.action), _outcome(record.action), \
        _labels(record)
    metrics.EVENTS.labels(action, outcome).inc()
    if action == "restriction.freeze_placed":
        metrics.FREEZES.labels(labels.get("source", "other")).inc()
    elif action == "restriction.lock_placed":
        metrics.LOCKS.labels(labels.get("source", "other")).inc()
    logs.event_line(action=action, outcome=outcome, labels=labels)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for record in session.info.pop(_PENDING, []):
        # A row added inside a savepoint that was rolled back left the session with it.
        if inspect(record).persistent:
            _emit(record)


@event.listens_for(Session, "after_transaction_end")
def _after_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost ended without commit: nothing happened
        session.info.pop(_PENDING, None)
