"""Health, readiness, metrics and the OpenAPI contract."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.http import openapi_walk
from walletguard import schema
from walletguard.app import create_app
from walletguard.config import Settings
from walletguard.db import make_engine
from walletguard.runtime import Platform

KEY = base64.b64encode(b"r" * 32).decode()

# Every path of the v1 contract (API.md), as FastAPI spells path parameters.
API_MD_PATHS = [
    ("post", "/v1/users"), ("post", "/v1/sessions"), ("get", "/v1/me"),
    ("put", "/v1/payment-pin"), ("get", "/v1/wallet"), ("post", "/v1/payments"),
    ("post", "/v1/transfers"), ("get", "/v1/transactions"),
    ("put", "/v1/settings/password-free"), ("put", "/v1/settings/limits"),
    ("get", "/v1/devices"), ("delete", "/v1/devices/{device_id}"),
    ("post", "/v1/devices/{device_id}/commands"), ("get", "/v1/devices/current/commands"),
    ("post", "/v1/freeze"), ("put", "/v1/trusted-contacts"),
    ("post", "/v1/lost-phone-reports"), ("post", "/v1/recovery-cases"),
    ("post", "/v1/recovery-cases/{id}/verifications"),
    ("post", "/v1/recovery-cases/{id}/complete"), ("post", "/v1/recovery-approvals/{token}"),
    ("post", "/v1/merchants"), ("post", "/v1/topups"),
    ("post", "/v1/admin/users/{user_id}/restrictions"),
    ("delete", "/v1/admin/restrictions/{restriction_id}"), ("get", "/v1/admin/appeals"),
    ("post", "/v1/admin/appeals/{id}/decision"), ("post", "/v1/emergency-codes"),
    ("get", "/v1/admin/audit"), ("get", "/v1/admin/users/{user_id}/incidents"),
    ("get", "/v1/incidents/{incident_id}"),
    ("get", "/healthz"), ("get", "/readyz"), ("get", "/metrics"),
]
NOT_BUILT_YET: set[str] = set()


def _normalised(path: str) -> str:
    """``/v1/x/{anything}`` → ``/v1/x/{}``: parameter names may differ from API.md's."""
    parts = ["{}" if p.startswith("{") else p for p in path.split("/")]
    return "/".join(parts)


def app_on(url: str, data_dir: Path) -> TestClient:
    settings = Settings(mode="test", data_dir=data_dir, database_url=url,
                        pii_key=KEY, pin_pepper=KEY, token_key=KEY,
                        password_hash_memory_kib=1024)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def test_healthz_and_readyz_on_a_migrated_database(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


def test_readyz_is_503_on_a_database_never_migrated(tmp_path: Path) -> None:
    with app_on(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path) as client:
        assert client.get("/healthz").status_code == 200  # alive, but not ready
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["migrations"] == "behind"


def test_readyz_is_503_on_a_database_at_a_revision_this_release_does_not_know(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    schema.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000_before_time'"))
    engine.dispose()
    with app_on(url, tmp_path) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["migrations"] == "unknown"


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1"
    with app_on(url, tmp_path) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["database"] == "unreachable"
        assert "nobody" not in ready.text  # the URL is not echoed


def test_metrics_count_requests_by_route_and_status(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/v1/me")  # 401
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    body = metrics.text
    assert "# TYPE walletguard_http_requests_total counter" in body
    assert 'walletguard_http_requests_total{method="GET",route="/healthz",status="200"}' in body
    assert 'route="/v1/me",status="401"' in body
    assert "walletguard_http_request_seconds_bucket" in body


def test_metrics_from_a_multi_worker_server(server: str, platform: Platform) -> None:
    with httpx.Client(base_url=server, timeout=30) as http:
        for _ in range(4):
            http.get("/healthz")
        body = http.get("/metrics").text
    assert "walletguard_http_requests_total" in body
    assert 'route="/healthz"' in body


@pytest.mark.parametrize(("method", "path"), [
    pytest.param(m, p, marks=pytest.mark.xfail(strict=True, reason="not built yet"))
    if p in NOT_BUILT_YET else (m, p) for m, p in API_MD_PATHS])
def test_openapi_documents_every_api_md_path(method: str, path: str) -> None:
    doc = openapi_walk.document()  # what /openapi.json serves (checked below)
    served = {(m, _normalised(p)) for p, ops in doc["paths"].items() for m in ops}
    assert (method, _normalised(path)) in served


def test_openapi_describes_errors_and_auth(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc == openapi_walk.document()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    me = doc["paths"]["/v1/me"]["get"]
    assert me["security"] == [{"bearer": ["owner"]}]
    register = doc["paths"]["/v1/users"]["post"]
    schema_ = doc["components"]["schemas"]["RegisterIn"]
    assert all("examples" in prop for prop in schema_["properties"].values())
    assert "security" not in register


def test_every_request_body_in_openapi_comes_with_an_example(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]

    def has_example(name: str) -> bool:
        schema = schemas[name]
        return "examples" in schema or any(
            "examples" in p or "example" in p for p in schema.get("properties", {}).values())

    missing = [
        f"{method.upper()} {path}"
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation and not has_example(
            operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .rsplit("/", 1)[-1])
    ]
    assert missing == []
