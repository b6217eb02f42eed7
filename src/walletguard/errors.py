"""One error family. Each error has a stable ``code`` (API.md) and an HTTP status;
the HTTP layer turns any of them into problem+json in one handler.

A refusal never commits half a change. The part of a use case that can be refused runs
inside ``walletguard.db.judged`` (a savepoint): a refusal rolls it back, then writes what
the refusal asked to keep (``keeping``: a counted wrong PIN, a spent WebAuthn challenge)
and marks itself ``judged``; only then does the edge commit — what the use case wrote
*before* the judged part (its lock, its idempotency claim, its throttle counts) and those
kept writes. A refusal raised outside a judged part commits nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: A write a refusal keeps: run after the judged part is rolled back, in the same
#: transaction and under the locks the use case took before it.
Keep = Callable[["Session"], object]


class DomainError(Exception):
    code: str = "domain_error"
    status: int = 400
    title: str = "Request refused"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra: dict[str, Any] = extra
        self.keeps: list[Keep] = []
        self.judged = False

    def keeping(self, *writes: Keep) -> Self:
        """Writes this refusal must keep although the judged work is undone. Raise it
        inside ``judged``: the writes run after the savepoint is rolled back."""
        self.keeps.extend(writes)
        return self

    def problem(self) -> dict[str, Any]:
        return {
            "type": f"https://walletguard.dev/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
            **self.extra,
        }


class ConfigurationError(Exception):
    """Bad settings or policy: raised at start-up, never to a client."""


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422
    title = "The request is not valid"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401
    title = "Authentication required"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = "Not allowed for this role"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "Conflicts with the current state"


class AccountFrozen(DomainError):
    code = "account_frozen"
    status = 403
    title = "The wallet is frozen"


class AccountLocked(DomainError):
    code = "account_locked"
    status = 403
    title = "The account is locked"


class PinLocked(DomainError):
    code = "pin_locked"
    status = 403
    title = "The payment PIN is locked"


class InvalidPin(DomainError):
    code = "invalid_pin"
    status = 403
    title = "Wrong payment PIN"


class PinNotSet(DomainError):
    code = "pin_not_set"
    status = 403
    title = "No payment PIN has been set"


class InvalidCode(DomainError):
    code = "invalid_code"
    status = 403
    title = "The one-time code was not accepted"


class InvalidBiometric(DomainError):
    code = "invalid_biometric"
    status = 403
    title = "The biometric assertion was not accepted"


class RiskDenied(DomainError):
    code = "risk_denied"
    status = 403
    title = "Refused by risk controls"


class StepUpRequired(DomainError):
    code = "step_up_required"
    status = 403
    title = "Stronger authentication is required"


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    status = 402
    title = "Insufficient funds"


class LimitExceeded(DomainError):
    code = "limit_exceeded"
    status = 403
    title = "A limit would be exceeded"


class IllegalTransition(DomainError):
    """A dispute or claim asked to move to a state its current state does not lead to
    (with ``current``, the state now, and the ``allowed`` next states)."""

    code = "illegal_transition"
    status = 409
    title = "Not a next state from the current one"


class OutsideSuspiciousWindow(DomainError):
    code = "outside_suspicious_window"
    status = 422
    title = "The transaction is not in the incident's suspicious window"


class AlreadyDisputed(DomainError):
    code = "already_disputed"
    status = 409
    title = "The transaction is already disputed"


class ClaimOverLimit(DomainError):
    code = "claim_over_limit"
    status = 422
    title = "The claim exceeds what this insurance pays per case"


class DocumentsMissing(DomainError):
    """A claim sent on before its required documents are all provided (``missing``)."""

    code = "documents_missing"
    status = 409
    title = "Required documents are missing"


class NewPayeeBlocked(DomainError):
    """Money to a payee this owner never paid, within ``new_payee_block_hours`` of a
    completed recovery (with ``until``): a thief who recovered the wallet cannot empty it
    to a mule at once."""

    code = "new_payee_blocked"
    status = 403
    title = "New payees are blocked after a recovery"


class IdempotencyConflict(DomainError):
    code = "idempotency_conflict"
    status = 409
    title = "Idempotency key reused with another request"


class RateLimited(DomainError):
    """Every 429 says when to come back: ``retry_after`` (seconds, or a timedelta) is
    required, rounded up to whole seconds, and sent as ``Retry-After`` and in the body.
    Give the truthful value — the time until the counter that refused resets
    (``auth.throttle.seconds_left``) — not a guess."""

    code = "rate_limited"
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *,
                 retry_after: float | timedelta | None = None, **extra: Any) -> None:
        if retry_after is None:
            # Not a default: a 429 without Retry-After makes clients retry at once, in a
            # loop, which is what the limit is there to stop.
            raise TypeError("RateLimited(detail, retry_after=seconds) needs retry_after: "
                            "the time until the refusing counter resets")
        super().__init__(detail, retry_after=retry_after_seconds(retry_after), **extra)


class Unavailable(DomainError):
    """Busy or down for a moment: the request did nothing and may be retried as it is
    after ``retry_after`` seconds (sent as ``Retry-After``)."""

    code = "unavailable"
    status = 503
    title = "Service unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: float | timedelta,
                 **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after_seconds(retry_after), **extra)


def retry_after_seconds(value: float | timedelta) -> int:
    """Whole seconds, at least one, for ``Retry-After`` (RFC 9110 §10.2.3)."""
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"retry_after must be seconds or a timedelta, not {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"retry_after must be a finite, non-negative delay, not {value!r}")
    return max(1, math.ceil(value))


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413
    title = "The request body is too large"


class VerificationFailed(DomainError):
    """A recovery verification that did not pass (with ``attempts_left`` in the case)."""

    code = "verification_failed"
    status = 403
    title = "Verification failed"


class MethodNotAvailable(DomainError):
    code = "method_not_available"
    status = 422
    title = "This authentication method is not available"


class MethodNotAllowed(DomainError):
    """The path exists, the method does not: answered with ``Allow``."""

    code = "method_not_allowed"
    status = 405
    title = "Method not allowed"


class InternalError(DomainError):
    """The last resort: still problem+json, never the exception's text (it may hold input)."""

    code = "internal_error"
    status = 500
    title = "Internal error"


class ClientAddressUnknown(DomainError):
    """A request that arrived without a peer address (a unix socket, and no trusted proxy
    naming the client), on a route whose limits count per address: counted as one shared
    address, one caller could spend every such caller's allowance, so it is refused."""

    code = "client_address_unknown"
    status = 400
    title = "The client's address is unknown"


class ReplayedRefusal(DomainError):
    """The refusal first given under an idempotency key, given again."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(str(problem.get("detail", "")))
        self.status = status
        self.code = str(problem.get("code", "domain_error"))
        self.title = str(problem.get("title", self.title))
        self._problem = problem

    def problem(self) -> dict[str, Any]:
        return dict(self._problem)
