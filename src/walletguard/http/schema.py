"""Shared pydantic pieces, and the OpenAPI contract (below). Every request model forbids
unknown fields, coerces nothing (a string is not an amount), and refuses what no column
can hold faithfully — NUL and other control characters in text (PostgreSQL refuses NUL
outright) and non-finite numbers (JSON has none) — anywhere in the body, free-form
objects included."""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from walletguard import errors, text
from walletguard.payments.limits import MAX_AMOUNT

# C0 controls except tab, line feed and carriage return; DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_DEPTH = 32


def _unstorable(value: Any, path: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """The first (dotted path, problem) in ``value`` that cannot be stored, if any."""
    if len(path) > _MAX_DEPTH:
        return ".".join(path), "is nested too deeply"
    if isinstance(value, str):
        return (".".join(path), "must not contain control characters") \
            if _CONTROL.search(value) else None
    if isinstance(value, float):
        return None if math.isfinite(value) else (".".join(path), "must be a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _CONTROL.search(key):
                return ".".join((*path, key.encode("unicode_escape").decode())), \
                    "must not contain control characters in its keys"
            found = _unstorable(item, (*path, str(key)))
            if found:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _unstorable(item, (*path, str(index)))
            if found:
                return found
    return None


def _timestamp_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("datetime_type", "a date-time string (RFC 3339), e.g. "
                                  "2026-12-01T09:30:00+08:00")
    return value


#: A date-time in a JSON body: RFC 3339 text only, as the document declares (a bare number
#: would otherwise be read as Unix seconds).
Timestamp = Annotated[datetime, BeforeValidator(_timestamp_text), Field(strict=False)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        found = _unstorable(data)
        if found is not None:
            field, problem = found
            raise PydanticCustomError("unstorable", "{where} {problem}",
                                      {"field": field, "where": field or "value",
                                       "problem": problem})
        return data


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


Amount = Annotated[int, Field(gt=0, le=MAX_AMOUNT, description="minor units (fen)",
                              examples=[1250])]


def _refusing(clean: Callable[..., str], max_length: int) -> AfterValidator:
    """A ``walletguard.text`` cleaner as a validator: its refusal becomes a 422 entry."""

    def check(value: str) -> str:
        try:
            return clean(value, max_length=max_length)
        except text.TextRefused as exc:
            raise PydanticCustomError("text", str(exc)) from None

    return AfterValidator(check)


def free_text(max_length: int) -> AfterValidator:
    """``text.clean_text`` as a validator: NFKC, something visible, no bidi controls."""
    return _refusing(text.clean_text, max_length)


def person_name(max_length: int) -> AfterValidator:
    """``text.clean_name`` as a validator: NFC, something visible, no controls."""
    return _refusing(text.clean_name, max_length)


Text = Annotated[str, StringConstraints(min_length=1, max_length=text.TEXT_MAX,
                                        strip_whitespace=True), free_text(text.TEXT_MAX)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=text.NAME_MAX,
                                        strip_whitespace=True), free_text(text.NAME_MAX)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=text.LABEL_MAX,
                                         strip_whitespace=True), free_text(text.LABEL_MAX)]
"""A short free-text label: a merchant category, a trusted contact's relation."""
RealName = Annotated[str, StringConstraints(min_length=1, max_length=text.PERSON_NAME_MAX,
                                            strip_whitespace=True),
                     person_name(text.PERSON_NAME_MAX)]
"""A person's legal name, in NFC (compared later with what a reporter types)."""


# ---- the OpenAPI document as a contract --------------------------------------------------
#
# FastAPI documents each operation's 2xx and a 422 in its own validation shape. Every
# refusal here is problem+json (``problems.py``), so the document is rewritten once, after
# FastAPI builds it: each operation lists every status it can answer, each error is the
# shared ``Problem`` schema with the ``code`` values that status can carry on that
# operation. What an operation can answer is derived from how it is declared (security,
# body, Idempotency-Key) plus ``ROUTE_ERRORS``, read from the services each route calls.

# What ``restrictions.guard`` refuses with; what ``credentials.judge_pin`` refuses with.
_RESTRICTED: tuple[type[errors.DomainError], ...] = (
    errors.AccountFrozen, errors.AccountLocked, errors.PinLocked)
_PIN: tuple[type[errors.DomainError], ...] = (
    errors.PinNotSet, errors.PinLocked, errors.InvalidPin)
_MONEY_AUTH = (*_RESTRICTED, *_PIN, errors.InvalidBiometric, errors.StepUpRequired,
               errors.MethodNotAvailable, errors.LimitExceeded, errors.InsufficientFunds,
               errors.NotFound)

# The errors a route's use case can raise beyond those its declaration implies (see
# ``errors_for``). Every operation the app serves has a row (a test holds it to that).
ROUTE_ERRORS: dict[str, tuple[type[errors.DomainError], ...]] = {
    "POST /v1/users": (errors.RateLimited, errors.Conflict, errors.ClientAddressUnknown),
    "GET /v1/me": (),
    "PUT /v1/trusted-contacts": (*_RESTRICTED,),
    "GET /v1/trusted-contacts": (),
    "POST /v1/sessions": (errors.Unauthenticated, errors.RateLimited, errors.Forbidden,
                         errors.ClientAddressUnknown, errors.RiskDenied),
    "GET /v1/devices": (),
    "DELETE /v1/devices/{device_id}": (errors.NotFound,),
    "POST /v1/devices/{device_id}/commands": (errors.NotFound,),
    "GET /v1/devices/current/commands": (),
    "POST /v1/devices/current/commands/{command_id}/ack": (errors.NotFound,),
    "GET /v1/challenges": (),
    "POST /v1/challenges": (errors.Conflict, errors.Forbidden),
    "GET /v1/challenges/{challenge_id}": (errors.NotFound,),
    "POST /v1/challenges/{challenge_id}/approve": (
        errors.NotFound, errors.Forbidden, errors.Conflict, *_PIN, errors.RiskDenied),
    "POST /v1/challenges/{challenge_id}/deny": (errors.NotFound, errors.Conflict),
    "POST /v1/challenges/{challenge_id}/otp": (
        errors.NotFound, errors.Conflict, errors.MethodNotAvailable, errors.RateLimited),
    "POST /v1/challenges/{challenge_id}/verify": (
        errors.NotFound, errors.Conflict, errors.MethodNotAvailable, errors.InvalidCode, *_PIN,
        errors.StepUpRequired, errors.RiskDenied),
    "POST /v1/admin/devices/{device_id}/trust": (errors.NotFound, errors.Conflict),
    "PUT /v1/payment-pin": (*_RESTRICTED, *_PIN, errors.StepUpRequired, errors.RiskDenied),
    "POST /v1/biometric/registration-options": (),
    "POST /v1/biometric/registrations": (*_RESTRICTED, *_PIN, errors.InvalidBiometric,
                                         errors.StepUpRequired, errors.RiskDenied),
    "POST /v1/biometric/payment-options": (errors.Forbidden,),
    "POST /v1/payments": (*_MONEY_AUTH, errors.RiskDenied, errors.NewPayeeBlocked),
    "POST /v1/transfers": (*_MONEY_AUTH, errors.RateLimited, errors.RiskDenied,
                           errors.NewPayeeBlocked),
    "GET /v1/wallet": (),
    "GET /v1/transactions": (),
    "PUT /v1/settings/password-free": (*_RESTRICTED, *_PIN, errors.Conflict,
                                       errors.StepUpRequired),
    "PUT /v1/settings/limits": (*_RESTRICTED, *_PIN, errors.StepUpRequired),
    "POST /v1/merchants": (),
    "POST /v1/topups": (errors.NotFound,),
    "POST /v1/payments/{payment_id}/refunds": (errors.NotFound, errors.InsufficientFunds),
    "GET /v1/merchants/{merchant_id}/balance": (errors.NotFound,),
    "POST /v1/freeze": (),
    "POST /v1/admin/users/{user_id}/restrictions": (errors.NotFound,),
    "GET /v1/admin/users/{user_id}/restrictions": (errors.NotFound,),
    "DELETE /v1/admin/restrictions/{restriction_id}": (errors.NotFound, errors.Conflict),
    "DELETE /v1/restrictions/{restriction_id}/lift": (errors.NotFound, errors.Conflict),
    "GET /v1/restrictions/{restriction_id}": (errors.NotFound,),
    "POST /v1/lost-phone-reports": (errors.RateLimited, errors.ClientAddressUnknown),
    "POST /v1/incidents": (errors.NotFound, errors.Forbidden),
    "POST /v1/trusted-contacts/lost-phone-reports": (errors.NotFound, errors.RateLimited),
    "POST /v1/admin/users/{user_id}/incidents": (errors.NotFound,),
    "GET /v1/admin/users/{user_id}/incidents": (errors.NotFound,),
    "GET /v1/incidents/{incident_id}": (errors.NotFound,),
    "GET /v1/inbox": (),
    "PUT /v1/notification-settings": (),
    "POST /v1/partner-acknowledgements": (errors.Unauthenticated, errors.NotFound),
    "PUT /v1/incidents/{incident_id}/checklist/{item_id}": (errors.NotFound,),
    "GET /v1/incidents/{incident_id}/evidence": (errors.NotFound,),
    "PUT /v1/incidents/{incident_id}/police-report": (errors.NotFound,),
    "POST /v1/incidents/{incident_id}/disputes": (
        errors.NotFound, errors.OutsideSuspiciousWindow, errors.AlreadyDisputed),
    "GET /v1/incidents/{incident_id}/disputes": (errors.NotFound,),
    "POST /v1/incidents/{incident_id}/claims": (errors.NotFound, errors.ClaimOverLimit),
    "GET /v1/incidents/{incident_id}/claims": (errors.NotFound,),
    "PUT /v1/incidents/{incident_id}/claims/{claim_id}/documents": (
        errors.NotFound, errors.IllegalTransition),
    "GET /v1/admin/disputes": (),
    "POST /v1/admin/disputes/{dispute_id}/transition": (
        errors.NotFound, errors.IllegalTransition),
    "GET /v1/admin/claims": (),
    "POST /v1/admin/claims/{claim_id}/transition": (
        errors.NotFound, errors.IllegalTransition, errors.DocumentsMissing),
    "GET /v1/admin/audit": (),
    "POST /v1/recovery-cases": (errors.RateLimited,),
    "POST /v1/recovery-cases/{case_id}/verifications": (
        errors.NotFound, errors.VerificationFailed, errors.MethodNotAvailable,
        errors.RateLimited, errors.RiskDenied),
    "POST /v1/recovery-cases/{case_id}/complete": (errors.NotFound, *_PIN, errors.RiskDenied),
    "POST /v1/recovery-cases/{case_id}/cancel": (errors.NotFound,),
    "POST /v1/recovery-cases/{case_id}/approvals/void": (errors.NotFound,),
    "GET /v1/recovery-approvals/{token}": (errors.NotFound,),
    "POST /v1/recovery-approvals/{token}": (errors.NotFound, errors.Forbidden),
    "POST /v1/admin/recovery-cases/{case_id}/branch-verification": (errors.NotFound,),
    "POST /v1/emergency-codes": (errors.NotFound,),
    "POST /v1/recovery-cases/{case_id}/appeal": (errors.NotFound,),
    "GET /v1/admin/appeals": (),
    "POST /v1/admin/appeals/{appeal_id}/decision": (errors.NotFound, errors.Forbidden),
    "PUT /v1/account-phone": (*_RESTRICTED,),
    "GET /v1/channel-changes": (),
    "POST /v1/channel-changes/{change_id}/cancel": (errors.NotFound,),
    "GET /healthz": (),
    "GET /readyz": (),
    "GET /metrics": (),
    "POST /v1/carrier-signals": (errors.InvalidInput,),
    "POST /v1/risk/trips": (errors.InvalidInput,),
    "GET /v1/admin/users/{user_id}/risk-decisions": (),
    "GET /v1/risk/shadow-report": (),
    "POST /v1/risk/policy-changes": (errors.InvalidInput,),
    "POST /v1/risk/policy-changes/{change_id}/approve": (
        errors.NotFound, errors.Conflict, errors.Forbidden),
}

# Routes that serve no database: nothing there can be ``unavailable``.
# Parameters whose schema FastAPI states narrower than the server reads them.
_INSTANT = {"anyOf": [
    {"type": "string", "format": "date-time", "description": "RFC 3339, with an offset"},
    {"type": "number", "description": "Unix time in seconds (read as UTC)"},
    {"type": "null"}]}
_PARAMETERS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET /v1/transactions", "since"): _INSTANT,
    ("GET /v1/transactions", "until"): _INSTANT,
}

_NO_DATABASE = {"GET /healthz", "GET /metrics", "GET /readyz"}
# Roles that hold a credential; an operation admitting fewer refuses the rest with 403.
_CREDENTIAL_ROLES = {"owner", "agent", "teller", "institution", "operator"}
_WRITES = {"post", "put", "patch", "delete"}


@dataclass(frozen=True)
class Declared:
    """What an operation's declaration implies about its refusals."""

    roles: tuple[str, ...] | None  # None: public; (): any signed-in caller
    untrusted_ok: bool
    has_body: bool
    idempotent: bool
    write: bool


def errors_for(key: str, declared: Declared) -> list[type[errors.DomainError]]:
    """Every error ``key`` ("METHOD /path") can answer with."""
    found: list[type[errors.DomainError]] = [errors.InvalidInput]  # CleanTarget: any URL
    if declared.roles is not None:
        found.append(errors.Unauthenticated)
        if declared.roles and not set(declared.roles) >= _CREDENTIAL_ROLES:
            found.append(errors.Forbidden)
        if "owner" in declared.roles and not declared.untrusted_ok:
            found.append(errors.StepUpRequired)
    if declared.has_body:
        found.append(errors.PayloadTooLarge)
    if declared.idempotent:
        found.append(errors.IdempotencyConflict)
    if declared.write:
        found.append(errors.Conflict)  # two requests raced on a unique constraint
    if key not in _NO_DATABASE:
        found.append(errors.Unavailable)
    if key not in ROUTE_ERRORS:
        raise KeyError(f"{key}: give it a row in walletguard.http.schema.ROUTE_ERRORS")
    found.extend(ROUTE_ERRORS[key])
    unique: dict[str, type[errors.DomainError]] = {}
    for error in found:
        unique.setdefault(error.code, error)
    return list(unique.values())


_PROBLEM: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. `code` is stable and machine-readable; the "
                   "extras are present where the code says (see docs/api.md).",
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "retry_after": {"type": "integer", "minimum": 1,
                        "description": "seconds; also sent as Retry-After (429, 503)"},
        "attempts_left": {"type": "integer", "minimum": 0},
        "methods": {"type": "array", "items": {"type": "string"},
                    "description": "the ways still open to meet a step-up or pay"},
        "challenge_id": {"type": ["string", "null"]},
        "biometric_available": {"type": "boolean"},
        "restriction_id": {"type": "string"},
        "until": {"type": "string", "format": "date-time"},
        "field": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "problem"],
            "properties": {"field": {"type": "string"}, "problem": {"type": "string"}}}},
        "daily_limit": {"type": "integer"},
        "spent_today": {"type": "integer"},
        "available": {"type": "integer"},
        "refundable": {"type": "integer"},
        "status_of_challenge": {"type": "string"},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "transfer_id": {"type": "string",
                        "description": "the transaction refused (disputes)"},
        "transfer_ids": {"type": "array", "items": {"type": "string"},
                         "description": "the transactions already disputed"},
        "window": {"type": "object", "description": "the suspicious window: opens, closes",
                   "properties": {"opens": {"type": "string", "format": "date-time"},
                                  "closes": {"type": "string", "format": "date-time"}}},
        "current": {"type": "string", "description": "a dispute's or claim's state now"},
        "allowed": {"type": "array", "items": {"type": "string"},
                    "description": "the states it may move to from there"},
        "missing": {"type": "array", "items": {"type": "string"},
                    "description": "the claim's documents still missing"},
        "limit": {"type": "integer", "description": "what the insurance pays per case"},
    },
    "additionalProperties": True,
}

_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying as is",
                                "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9]+$"}}}


def _problem_response(status: int, found: list[type[errors.DomainError]]) -> dict[str, Any]:
    codes = sorted(e.code for e in found)
    lines = "; ".join(f"`{e.code}`: {e.title}" for e in sorted(found, key=lambda e: e.code))
    response: dict[str, Any] = {
        "description": lines,
        "content": {"application/problem+json": {"schema": {"allOf": [
            {"$ref": "#/components/schemas/Problem"},
            {"properties": {"code": {"enum": codes}, "status": {"const": status}}}]}}},
    }
    if status in (429, 503):
        response["headers"] = _RETRY_AFTER
    return response


def _walk(dependant: Any) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _walk(dependency)


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, through included routers (FastAPI wraps each include in a route of
    its own that keeps the router it came from)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)


def _untrusted_ok(route: APIRoute) -> bool:
    """Whether the route admits an untrusted owner session. The role check
    (``http.deps.role``) is read from its closure, so the document cannot disagree."""
    for dependency in _walk(route.dependant):
        call = dependency.call
        if call is not None and getattr(call, "__qualname__", "").startswith("role."):
            return bool(inspect.getclosurevars(call).nonlocals.get("untrusted_ok", False))
    return True  # no role check at all (a device fetching its commands): nothing refuses it


def _is_problem_422(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def contract(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document with every operation's refusals, as described above."""
    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)
    routes = {(m.lower(), r.path): r for r in api_routes(app.routes)
              for m in r.methods or ()}
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = _PROBLEM
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            key = f"{method.upper()} {path}"
            security = operation.get("security")
            route = routes[(method, path)]
            parameters = operation.get("parameters", [])
            declared = Declared(
                roles=None if not security else tuple(security[0].get("bearer", ())),
                untrusted_ok=_untrusted_ok(route),
                has_body="requestBody" in operation,
                idempotent=any(p["in"] == "header" and p["name"] == "Idempotency-Key"
                               for p in parameters),
                write=method in _WRITES)
            if declared.roles is not None:
                operation["x-untrusted-session"] = declared.untrusted_ok
            responses = operation["responses"]
            if "422" in responses and _is_problem_422(responses["422"]):
                del responses["422"]
            by_status: dict[int, list[type[errors.DomainError]]] = {}
            for error in errors_for(key, declared):
                by_status.setdefault(error.status, []).append(error)
            for status, found in sorted(by_status.items()):
                responses[str(status)] = _problem_response(status, found)
    for (key, name), declared_schema in _PARAMETERS.items():
        method, path = key.split(" ", 1)
        for parameter in doc["paths"][path][method.lower()].get("parameters", []):
            if parameter["name"] == name:
                parameter["schema"] = declared_schema
    _health(doc)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return doc


def _health(doc: dict[str, Any]) -> None:
    metrics = doc["paths"]["/metrics"]["get"]["responses"]["200"]
    metrics["description"] = "Prometheus text exposition format"
    metrics["content"] = {"text/plain": {"schema": {"type": "string"}}}
    ready = doc["paths"]["/readyz"]["get"]["responses"]
    status = {"type": "object", "required": ["status"],
              "properties": {"status": {"type": "string"}}, "additionalProperties": True}
    ready["200"]["content"] = {"application/json": {"schema": {
        **status, "examples": [{"status": "ready"}]}}}
    ready["503"] = {"description": "not ready: the database is unreachable, or its schema "
                                   "is behind, unknown or not what this release expects",
                    "content": {"application/json": {"schema": {
                        **status, "examples": [{"status": "unavailable",
                                                "migrations": "behind"}]}}}}


def install_contract(app: FastAPI) -> None:
    """Serve ``contract(app)`` as ``/openapi.json`` (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = contract(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
