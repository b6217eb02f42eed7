"""One error family. Each error has a stable ``code`` (API.md) and an HTTP status;
the HTTP layer turns any of them into problem+json in one handler.

``keep_changes`` marks a refusal whose consequences must be committed even though
the request is refused: a wrong PIN counts toward the lock, a declined payment is
remembered under its idempotency key. The edge that owns the transaction commits
instead of rolling back when it is set.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code: str = "domain_error"
    status: int = 400
    title: str = "Request refused"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra: dict[str, Any] = extra
        self.keep_changes = False

    def kept(self) -> DomainError:
        """Ask the edge to commit what the service wrote before refusing."""
        self.keep_changes = True
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


class StepUpRequired(DomainError):
    code = "step_up_required"
    status = 403
    title = "Stronger authentication is required"


class RiskDenied(DomainError):
    code = "risk_denied"
    status = 403
    title = "Refused by risk controls"


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    status = 402
    title = "Insufficient funds"


class LimitExceeded(DomainError):
    code = "limit_exceeded"
    status = 403
    title = "A limit would be exceeded"


class IdempotencyConflict(DomainError):
    code = "idempotency_conflict"
    status = 409
    title = "Idempotency key reused with another request"


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    title = "Too many requests"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413
    title = "The request body is too large"


class MethodNotAvailable(DomainError):
    code = "method_not_available"
    status = 422
    title = "This authentication method is not available"


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
