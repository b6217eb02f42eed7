"""create_app(settings) -> FastAPI: routers, problem+json errors, middleware, health."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from walletguard import schema
from walletguard.audit.api import router as audit_router
from walletguard.clock import Clock
from walletguard.config import Settings
from walletguard.credentials.api import router as credentials_router
from walletguard.crypto import derive
from walletguard.devices.api import router as devices_router
from walletguard.disputes.api import router as disputes_router
from walletguard.http import problems
from walletguard.http.admission import Admission
from walletguard.http.middleware import (
    BodyLimit,
    CleanTarget,
    InstanceHeader,
    Observe,
    UniqueKeys,
)
from walletguard.http.schema import install_contract
from walletguard.identity.api import router as identity_router
from walletguard.incidents.api import router as incidents_router
from walletguard.notifications.api import router as notifications_router
from walletguard.observability import logs, tracing
from walletguard.observability import metrics as prometheus
from walletguard.payments.api import router as payments_router
from walletguard.recovery.api import router as recovery_router
from walletguard.restrictions.api import router as restrictions_router
from walletguard.risk.api import router as risk_router
from walletguard.runtime import Platform
from walletguard.web import install as install_web

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

log = logging.getLogger("walletguard")

DESCRIPTION = """A self-hostable digital-wallet core that protects the owner's money when a
phone is lost or stolen. Errors are `application/problem+json` with a stable `code`."""


# Routes are tried in the order included, each costing CPU on every request that passes
# it (≈ 0.15 ms for the 22 routes that stood before the payment's, measured:
# docs/benchmarks.md), so the money lane comes first and the priority lane next. No path
# of one router matches a route of another (tests/http/test_route_order.py), so the order
# decides nothing else.
ROUTERS = (payments_router, restrictions_router, incidents_router, identity_router,
           devices_router, credentials_router, audit_router, recovery_router, risk_router,
           notifications_router, disputes_router)


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None,
    platform: Platform | None = None, span_exporter: SpanExporter | None = None,
) -> FastAPI:
    """The HTTP app. ``platform`` lets tests share one database and clock with it;
    ``span_exporter`` receives every span (tests), besides what ``OTEL_*`` asks for."""
    if platform is None:
        platform = Platform.build(settings or Settings(), clock=clock)
        # A served app counts the brake with the other workers on the same database.
        platform.risk.brake.share(platform.db)
    settings = platform.settings
    logs.configure(settings.log_level)
    pseudonym = partial(logs.client_pseudonym,
                        derive(platform.keys.token_key, "walletguard log client pseudonym v1"))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if app.state.tracing is not None:
            app.state.tracing.shutdown()
        platform.risk.brake.close()
        platform.db.dispose()

    app = FastAPI(title="walletguard", version="0.1.0", description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.platform = platform
    problems.install(app)
    install_contract(app)
    for router in ROUTERS:
        app.include_router(router)
    install_web(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> Response:
        try:
            with platform.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            verdict = schema.verdict(platform.db.engine)
        except Exception as exc:  # any failure means not ready
            log.warning("readiness check failed: %s", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        if verdict.state is schema.State.MISMATCH:
            # At head by its revision id, yet not the tables the code expects (an edited
            # migration, a hand-made change): serving would fail on some request later.
            log.warning("readiness: %s", verdict.explain())
            return JSONResponse({"status": "unavailable", "schema": "mismatch"}, 503)
        if verdict.state is schema.State.UNKNOWN:
            return JSONResponse({"status": "unavailable", "migrations": "unknown"}, 503)
        if not verdict.is_current:
            return JSONResponse({"status": "unavailable", "migrations": "behind"}, 503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", tags=["health"])
    def metrics() -> Response:
        body, content_type = prometheus.exposition()
        return Response(body, media_type=content_type)

    app.add_middleware(UniqueKeys)  # innermost: reads bodies BodyLimit has capped
    app.add_middleware(CleanTarget)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Inside Observe (a shed payment is logged and counted), before any body is read.
    app.add_middleware(Admission, money_in_flight=settings.money_in_flight,
                       money_wait_seconds=settings.money_wait_seconds)
    app.add_middleware(Observe, pseudonym=pseudonym)  # sees every answer
    app.add_middleware(InstanceHeader)  # outermost: even a 413 says who answered
    app.state.tracing = tracing.configure(app, platform.db.engines, pseudonym=pseudonym,
                                          exporter=span_exporter)
    return app

