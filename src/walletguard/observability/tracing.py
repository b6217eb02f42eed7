"""OpenTelemetry traces of requests and SQL: off unless the standard variables ask.

Tracing is on when ``OTEL_TRACES_EXPORTER`` names an exporter (``otlp``, ``console``,
comma-separated), or when it is unset and an OTLP endpoint is given
(``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``).
``OTEL_SDK_DISABLED=true`` or ``OTEL_TRACES_EXPORTER=none`` keeps it off. OTLP goes over
HTTP/protobuf (the exporter reads the other ``OTEL_EXPORTER_OTLP_*`` variables itself:
headers, timeout, certificates); the SDK reads ``OTEL_TRACES_SAMPLER``, ``OTEL_BSP_*``
and ``OTEL_RESOURCE_ATTRIBUTES``; ``OTEL_SERVICE_NAME`` defaults to ``walletguard``.

A span never carries what a log line may not (see ``logs``): the client address is
replaced by the log's pseudonym, the port, path and query string are blanked (the route
template stays), and captured headers, should an operator ask for some, are all
redacted. SQL spans hold the statement
with its placeholders, never the bound values.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from walletguard.observability import logs

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from sqlalchemy import Engine

log = logging.getLogger("walletguard.tracing")

# Not traced: probes and scrapes would drown the requests that matter.
EXCLUDED_URLS = "/healthz,/readyz,/metrics"
_CLIENT_ATTRIBUTES = frozenset({"client.address", "net.peer.ip", "http.client_ip"})
# A path holds ids, a query string search terms; the span's route template says which
# endpoint ran.
_DROPPED_ATTRIBUTES = frozenset({"client.port", "net.peer.port", "url.query", "url.path",
                                 "url.full", "http.target", "http.url"})


def exporter_names(environ: Mapping[str, str]) -> list[str]:
    """The exporters the environment asks for; empty means tracing is off."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    given = environ.get("OTEL_TRACES_EXPORTER")
    if given is None:
        endpoint = (environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                    or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
        return ["otlp"] if endpoint else []
    names = [n.strip().lower() for n in given.split(",") if n.strip()]
    return [n for n in names if n != "none"]


class Tracing:
    """Tracing as configured for one app: shut it down when the app stops."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider

    def shutdown(self) -> None:
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

        EngineTracer.remove_all_event_listeners()  # type: ignore[no-untyped-call]
        self.provider.shutdown()  # flushes the spans still batched


def configure(
    app: Any, engines: Sequence[Engine], *, pseudonym: Callable[[str | None], str],
    exporter: SpanExporter | None = None, environ: Mapping[str, str] | None = None,
) -> Tracing | None:
    """Trace ``app``'s requests and the ``engines``' statements when the environment asks
    (or into ``exporter``, which tests pass); ``None`` when tracing is off."""
    environ = os.environ if environ is None else environ
    names = exporter_names(environ)
    if exporter is None and not names:
        return None
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.sdk.resources import SERVICE_INSTANCE_ID, SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    except ImportError:
        log.error("OTEL_TRACES_EXPORTER/OTEL_EXPORTER_OTLP_ENDPOINT is set but the "
                  "OpenTelemetry packages are not installed (pip install "
                  "'walletguard[otel]'); tracing is off")
        return None
    provider = TracerProvider(resource=Resource.create({
        SERVICE_NAME: environ.get("OTEL_SERVICE_NAME") or "walletguard",
        SERVICE_INSTANCE_ID: logs.instance(),
    }))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    for name in names:
        chosen = _exporter(name, environ)
        if chosen is not None:
            provider.add_span_processor(BatchSpanProcessor(chosen))

    def scrub(span: Any, scope: dict[str, Any]) -> None:
        if not span.is_recording():
            return
        client = scope.get("client")
        for key in list(getattr(span, "attributes", None) or {}):
            if key in _CLIENT_ATTRIBUTES:
                span.set_attribute(key, pseudonym(client[0] if client else None))
            elif key in _DROPPED_ATTRIBUTES:
                span.set_attribute(key, "")

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, server_request_hook=scrub,
        excluded_urls=EXCLUDED_URLS, exclude_spans=["receive", "send"],
        http_capture_headers_sanitize_fields=[".*"])
    for engine in engines:
        _trace_sql(engine, provider)
    return Tracing(provider)


def _exporter(name: str, environ: Mapping[str, str]) -> SpanExporter | None:
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if name == "otlp":
        protocol = (environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
                    or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf")
        if protocol != "http/protobuf":
            log.error("OTEL_EXPORTER_OTLP_PROTOCOL=%s is not supported (use http/protobuf); "
                      "OTLP trace export is off", logs_safe(protocol))
            return None
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    log.error("OTEL_TRACES_EXPORTER=%s is not supported (otlp, console, none)",
              logs_safe(name))
    return None


def logs_safe(value: str) -> str:
    """An operator's setting, cut short and printable, for an error line."""
    return "".join(c if c.isprintable() else "?" for c in value[:40])


def _trace_sql(engine: Engine, provider: TracerProvider) -> None:
    """One span per statement, under the request's span. The per-engine tracer is used
    directly: ``SQLAlchemyInstrumentor().instrument`` also patches ``create_engine``
    for the whole process, and instruments only once per process."""
    from opentelemetry import metrics, trace
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.instrumentation.sqlalchemy.version import __version__

    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__,
                              provider)
    usage = metrics.get_meter("walletguard.sql").create_up_down_counter(
        "db.client.connections.usage")
    EngineTracer(tracer, engine, usage, enable_commenter=False)  # type: ignore[no-untyped-call]
