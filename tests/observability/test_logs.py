"""JSON logs: a line per request and per business event, a request id echoed in
``X-Request-Id``, and never a secret or PII (docs/operations.md says what counts)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import TEST_SECRETS, running_server
from tests.observability import traffic
from walletguard.runtime import Platform

# What the proxy says the client is (TEST-NET-1; outside the sample data-centre, VPN,
# proxy and Tor ranges, so the risk engine does not make its first login untrusted).
CLIENT_IP = "192.0.2.77"
REQUEST_FIELDS = {"ts", "level", "logger", "instance", "request_id", "event", "method",
                  "route", "status", "duration_ms", "client"}


def test_a_well_formed_request_id_is_echoed_and_any_other_replaced(client: TestClient) -> None:
    given = str(uuid.uuid4())
    assert client.get("/healthz", headers={"X-Request-Id": given}).headers[
        "x-request-id"] == given
    nginx = "0123456789ABCDEF0123456789abcdef"
    assert client.get("/healthz", headers={"X-Request-Id": nginx}).headers[
        "x-request-id"] == nginx
    minted = set()
    for smuggled in ("+8613912345678", "13912345678", "x" * 300, "a\tb", None):
        headers = {} if smuggled is None else {"X-Request-Id": smuggled}
        answer = client.get("/v1/me", headers=headers)
        assert answer.status_code == 401
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])
        minted.add(answer.headers["x-request-id"])
    assert len(minted) == 5


def _values(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *_values(v))]
    if isinstance(value, list):
        return [s for item in value for s in _values(item)]
    return [str(value)]


def test_no_log_line_of_real_traffic_holds_a_secret_or_pii(
    database_url: str, tmp_path: Path, platform: Platform
) -> None:
    via = {"X-Forwarded-For": CLIENT_IP}
    with running_server(database_url, tmp_path,
                        env={"WALLETGUARD_FORWARDED_ALLOW_IPS": "127.0.0.1"}) as base:
        sent = traffic.run(base, platform, via=via)
    (log_file,) = tmp_path.glob("server-*.log")
    raw = [line for line in log_file.read_text().splitlines() if line.strip()]

    forbidden = {**sent.secrets, "client address": CLIENT_IP,
                 **{f"server secret {k}": v for k, v in TEST_SECRETS.items()}}
    lines = []
    for line in raw:
        if line.startswith("✓ walletguard on http://127.0.0.1:"):
            continue  # the CLI's banner on stdout: the address it listens on, no client's
        parsed = json.loads(line)  # every other line is one JSON object
        lines.append(parsed)
        # Decoded too: a JSON escape (\\u6b27…) must not hide a name from the scan.
        for text in (line, *_values(parsed)):
            for what, value in forbidden.items():
                assert value not in text, f"{what} in a log line: {line}"

    requests = [line for line in lines if line.get("event") == "request"]
    assert requests and all(set(line) >= REQUEST_FIELDS for line in requests)
    assert {line["request_id"] for line in requests} >= set(sent.request_ids)
    routes = {(line["method"], line["route"]) for line in requests}
    assert ("POST", "/v1/payments") in routes and ("GET", "/v1/me") in routes
    assert all(not line["route"].startswith("/v1/admin/users/usr_") for line in requests)
    refused = [line for line in requests if line["status"] >= 400]
    assert refused and all("code" in line for line in refused)

    business = [line for line in lines if line.get("event") == "business"]
    seen = {(line["action"], line["outcome"], line.get("source"), line.get("code"))
            for line in business}
    assert ("restriction.freeze_placed", "done", "owner", None) in seen
    assert ("restriction.freeze_placed", "done", "lost_phone", None) in seen
    assert ("restriction.lock_placed", "done", "pin", None) in seen
    assert ("payment.declined", "refused", None, "invalid_pin") in seen
    assert ("user.registered", "done", None, None) in seen
    # A business line is written inside the request that caused it.
    assert {line["request_id"] for line in business} <= {line["request_id"]
                                                         for line in requests}
