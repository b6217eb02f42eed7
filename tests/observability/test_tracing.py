"""OpenTelemetry traces: off unless the standard ``OTEL_*`` variables ask; when on, a
request's span holds its SQL statements' spans, and no span carries what a log line may
not."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests import factories
from walletguard.app import create_app
from walletguard.observability import logs, tracing
from walletguard.runtime import Platform

OTLP = "OTEL_EXPORTER_OTLP_ENDPOINT"


@pytest.mark.parametrize(("environ", "exporters"), [
    ({}, []),
    ({"OTEL_SERVICE_NAME": "wallet"}, []),
    ({OTLP: "http://collector:4318"}, ["otlp"]),
    ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, ["otlp"]),
    ({"OTEL_TRACES_EXPORTER": "console,otlp"}, ["console", "otlp"]),
    ({"OTEL_TRACES_EXPORTER": "none", OTLP: "http://collector:4318"}, []),
    ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, []),
])
def test_the_standard_variables_decide_whether_traces_leave(
    environ: dict[str, str], exporters: list[str]
) -> None:
    assert tracing.exporter_names(environ) == exporters


@pytest.fixture
def no_otel_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("OTEL_TRACES_EXPORTER", OTLP, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                 "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_tracing_is_off_by_default(platform: Platform, no_otel_env: pytest.MonkeyPatch) -> None:
    app = create_app(platform=platform)
    assert app.state.tracing is None
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)


def test_an_otlp_endpoint_in_the_environment_turns_export_on(
    platform: Platform, no_otel_env: pytest.MonkeyPatch
) -> None:
    no_otel_env.setenv(OTLP, "http://127.0.0.1:9")  # nothing listens: export just fails
    no_otel_env.setenv("OTEL_SERVICE_NAME", "wallet-eu")
    app = create_app(platform=platform)
    try:
        assert app._is_instrumented_by_opentelemetry  # type: ignore[attr-defined]
        provider = app.state.tracing.provider
        assert provider.resource.attributes["service.name"] == "wallet-eu"
        processors = provider._active_span_processor._span_processors
        (batch,) = processors
        assert isinstance(batch, BatchSpanProcessor)
        exporter = batch._batch_processor._exporter
        assert isinstance(exporter, OTLPSpanExporter)
        assert exporter._endpoint == "http://127.0.0.1:9/v1/traces"
    finally:
        app.state.tracing.shutdown()


def test_a_request_and_its_sql_are_one_trace_without_pii(
    platform: Platform, no_otel_env: pytest.MonkeyPatch
) -> None:
    owner = factories.register_owner(platform, balance=5_000)
    merchant = factories.merchant(platform)
    exporter = InMemorySpanExporter()
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign,assignment]
    access = logging.getLogger("walletguard.access")
    level = access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        with TestClient(create_app(platform=platform, span_exporter=exporter)) as client:
            paid = client.post("/v1/payments", headers=owner.headers, json={
                "merchant_id": merchant, "amount": 300,
                "auth": {"method": "pin", "pin": factories.PIN}},
                params={"phone": owner.phone})
            assert paid.status_code == 201, paid.text
            client.get("/healthz")  # not traced: probes would drown the rest
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    spans = exporter.get_finished_spans()
    (server,) = [s for s in spans if s.kind.name == "SERVER"]
    assert server.name == "POST /v1/payments"
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/v1/payments"
    assert server.attributes["http.status_code"] == 201
    sql = [s for s in spans if s.attributes and "db.statement" in s.attributes]
    assert len(sql) >= 3  # the wallet lock, the idempotency claim, the ledger insert…
    trace_id = server.context.trace_id
    assert all(s.context.trace_id == trace_id for s in sql)
    assert any("FOR UPDATE" in str(s.attributes["db.statement"]) for s in sql
               if s.attributes) or platform.db.is_sqlite
    by_id = {s.context.span_id: s for s in spans}
    for s in sql:  # each statement hangs under the request's span
        parent = s.parent
        while parent is not None and parent.span_id != server.context.span_id:
            parent = by_id[parent.span_id].parent if parent.span_id in by_id else None
        assert parent is not None, s.name

    text = repr([(s.name, dict(s.attributes or {}), [dict(e.attributes or {}) for e in s.events])
                 for s in spans])
    for value in (owner.phone, owner.phone.removeprefix("+86"), owner.token, factories.PIN,
                  owner.user_id):
        assert value not in text, value

    (line,) = [r for r in records if getattr(r, "fields", {}).get("route") == "/v1/payments"]
    assert f'"trace_id":"{trace_id:032x}"' in logs.JsonFormatter().format(line)
    # The span names the client as the log line does: by its pseudonym, not its address.
    peer = server.attributes.get("client.address", server.attributes.get("net.peer.ip"))
    assert peer == line.fields["client"] != "testclient"  # type: ignore[attr-defined]
