"""Every error leaves as application/problem+json (RFC 9457) with a stable ``code``."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Send

from walletguard.errors import (
    Conflict,
    DomainError,
    InternalError,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Unavailable,
)
from walletguard.http.schema import api_routes

log = logging.getLogger("walletguard.http")
PROBLEM = "application/problem+json"


def problem_bytes(error: DomainError) -> bytes:
    """The one rendering of a problem document, for handlers and ASGI middleware alike
    (the same separators and encoding as ``JSONResponse``)."""
    return json.dumps(error.problem(), ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")


def problem_response(error: DomainError, headers: dict[str, str] | None = None) -> Response:
    return Response(problem_bytes(error), status_code=error.status, media_type=PROBLEM,
                    headers=headers)


def retry_after_header(error: DomainError) -> dict[str, str] | None:
    """``Retry-After`` for a refusal that says when to come back, and for every 429 and
    503 (a replayed refusal stored before the field existed falls back to one second)."""
    seconds = error.problem().get("retry_after")
    if seconds is None and error.status not in (429, 503):
        return None
    return {"Retry-After": str(seconds if seconds is not None else 1)}


async def send_problem(send: Send, error: DomainError,
                       headers: dict[str, str] | None = None) -> None:
    """Answer with ``error`` from ASGI middleware, before any route has run."""
    body = problem_bytes(error)
    extra = headers if headers is not None else retry_after_header(error)
    raw = [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode()),
           *((k.lower().encode("latin-1"), v.encode("latin-1"))
             for k, v in (extra or {}).items())]
    await send({"type": "http.response.start", "status": error.status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


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


def _allowed(request: Request) -> str:
    """``Allow`` for a 405 (RFC 9110 §15.5.6): the methods of every route on this path.
    Starlette names only the first route that matched the path, and a path served by
    several routes (``GET`` and ``PUT /v1/trusted-contacts``) would lose the others."""
    methods: set[str] = set()
    for route in api_routes(request.app.routes):
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> Response:
        return problem_response(exc, retry_after_header(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> Response:
        detail, fields = _validation_detail(list(exc.errors()))
        return problem_response(InvalidInput(detail, errors=fields))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400:
            # The framework could not read the body (bad encoding, nesting too deep).
            return problem_response(InvalidInput("the request body could not be parsed as "
                                                 "UTF-8 JSON", field="body"))
        if exc.status_code == 413:
            return problem_response(PayloadTooLarge(str(exc.detail)))
        if exc.status_code == 405:
            return problem_response(MethodNotAllowed(f"{request.method} is not served here"),
                                    {"Allow": _allowed(request)})
        if exc.status_code == 404:
            return problem_response(NotFound("no such path"))
        # The framework raises only the statuses above; anything else is a bug here.
        log.error("unexpected framework HTTP status %s", exc.status_code)
        return problem_response(InternalError("an unexpected error occurred; it has been "
                                              "logged"))

    @app.exception_handler(IntegrityError)
    async def integrity(_: Request, exc: IntegrityError) -> Response:
        # Two requests raced to create the same thing; the loser is told plainly.
        log.info("integrity conflict: %s", type(exc.orig).__name__)
        return problem_response(Conflict("this conflicts with a change made at the same time"))

    @app.exception_handler(DataError)
    async def unstorable(_: Request, exc: DataError) -> Response:
        # A value passed validation yet the database refuses it: still the client's input,
        # still nothing stored (the transaction rolled back). Validation should catch it
        # first; the log says which driver error slipped through, never the value.
        log.warning("database refused a value: %s", type(exc.orig).__name__)
        return problem_response(InvalidInput("a value in the request cannot be stored"))

    @app.exception_handler(Exception)
    async def internal(_: Request, exc: Exception) -> Response:
        # Last resort: still problem+json, never the exception text (it may hold input).
        log.error("unhandled %s", type(exc).__name__, exc_info=exc)
        return problem_response(InternalError("an unexpected error occurred; it has been "
                                              "logged"))

    @app.exception_handler(OperationalError)
    async def unavailable(_: Request, exc: OperationalError) -> Response:
        log.error("database unavailable: %s", type(exc.orig).__name__)
        error = Unavailable("the database is unavailable; retry shortly", retry_after=1)
        return problem_response(error, retry_after_header(error))
