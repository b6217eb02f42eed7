"""Every error leaves as application/problem+json (RFC 9457) with a stable ``code``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from walletguard.errors import Conflict, DomainError, InvalidInput

log = logging.getLogger("walletguard.http")
PROBLEM = "application/problem+json"


def problem_response(error: DomainError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error.problem(), status_code=error.status, media_type=PROBLEM,
                        headers=headers)


def _validation_detail(errors: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    fields = []
    for err in errors[:20]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        fields.append({"field": loc or "body", "problem": err.get("msg", "invalid")})
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
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
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

    @app.exception_handler(OperationalError)
    async def unavailable(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", type(exc.orig).__name__)
        error = DomainError("the database is unavailable; retry shortly")
        error.status, error.code, error.title = 503, "unavailable", "Service unavailable"
        return problem_response(error, {"Retry-After": "1"})
