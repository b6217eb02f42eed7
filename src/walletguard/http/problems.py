"""Every error leaves as application/problem+json (RFC 9457) with a stable ``code``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from walletguard.errors import Conflict, DomainError, InvalidInput, PayloadTooLarge

log = logging.getLogger("walletguard.http")
PROBLEM = "application/problem+json"


def problem_response(error: DomainError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error.problem(), status_code=error.status, media_type=PROBLEM,
                        headers=headers)


def _validation_detail(errors: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    fields = []
    for err in errors[:20]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        inner = (err.get("ctx") or {}).get("field")  # set by the Strict models' own check
        if inner:
            loc.append(str(inner))
        fields.append({"field": ".".join(loc) or "body", "problem": err.get("msg", "invalid")})
    first = fields[0] if fields else {"field": "body", "problem": "invalid"}
    return f"{first['field']}: {first['problem']}", fields


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        headers = None
        if exc.status == 429 and "retry_after" in exc.extra:
            headers = {"Retry-After": str(exc.extra["retry_after"])}
        return problem_response(exc, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail, fields = _validation_detail(list(exc.errors()))
        return problem_response(InvalidInput(detail, errors=fields))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # The framework could not read the body (bad encoding, nesting too deep).
            return problem_response(InvalidInput("the request body could not be parsed as "
                                                 "UTF-8 JSON", field="body"))
        if exc.status_code == 413:
            return problem_response(PayloadTooLarge(str(exc.detail)))
        codes = {404: "not_found", 405: "method_not_allowed"}
        error = DomainError(str(exc.detail))
        error.status = exc.status_code
        error.code = codes.get(exc.status_code, "http_error")
        error.title = str(exc.detail)
        return problem_response(error)

    @app.exception_handler(IntegrityError)
    async def integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        # Two requests raced to create the same thing; the loser is told plainly.
        log.info("integrity conflict: %s", type(exc.orig).__name__)
        return problem_response(Conflict("this conflicts with a change made at the same time"))

    @app.exception_handler(DataError)
    async def unstorable(_: Request, exc: DataError) -> JSONResponse:
        # A value passed validation yet the database refuses it: still the client's input,
        # still nothing stored (the transaction rolled back). Validation should catch it
        # first; the log says which driver error slipped through, never the value.
        log.warning("database refused a value: %s", type(exc.orig).__name__)
        return problem_response(InvalidInput("a value in the request cannot be stored"))

    @app.exception_handler(Exception)
    async def internal(_: Request, exc: Exception) -> JSONResponse:
        # Last resort: still problem+json, never the exception text (it may hold input).
        log.error("unhandled %s", type(exc).__name__, exc_info=exc)
        error = DomainError("an unexpected error occurred; it has been logged")
        error.status, error.code, error.title = 500, "internal_error", "Internal error"
        return problem_response(error)

    @app.exception_handler(OperationalError)
    async def unavailable(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", type(exc.orig).__name__)
        error = DomainError("the database is unavailable; retry shortly")
        error.status, error.code, error.title = 503, "unavailable", "Service unavailable"
        return problem_response(error, {"Retry-After": "1"})
