"""Bad input, on every operation the OpenAPI document lists: a clear problem+json
refusal with a stable code, never a 5xx, and not one row changed.

The operations come from ``app.openapi()``, so a new endpoint is covered the day it is
added; the credential presented is one its security scopes (roles) admit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests import factories
from tests.http import openapi_walk
from tests.http.openapi_walk import Operation
from tests.http.state import changed_tables, contents, row_counts
from walletguard import errors
from walletguard.runtime import Platform

PROBLEM = "application/problem+json"
STABLE_CODES = {cls.code for cls in vars(errors).values()
                if isinstance(cls, type) and issubclass(cls, errors.DomainError)
                and cls is not errors.DomainError and cls is not errors.ReplayedRefusal}
STABLE_CODES |= {"method_not_allowed"}
MEGABYTE = 1024 * 1024

BODY_OPERATIONS = openapi_walk.json_body_operations()
ALL_OPERATIONS = openapi_walk.operations()
PARAM_OPERATIONS = [op for op in ALL_OPERATIONS if op.path_params or op.query_params]

GARBAGE_PATH_VALUES = [
    "%00", "a%00b", "%FF%FE", "'%20OR%20'1'='1", "1;DROP%20TABLE%20users;--", "x" * 5000,
    "%E2%80%AE%F0%9F%92%A5", "..%2F..%2Fetc%2Fpasswd", "-1", "null", "%3Cscript%3E",
]
GARBAGE_QUERY_VALUES = ["", "%00", "%FF", "x" * 5000, "-1", "1e309", "'%20OR%201=1--",
                        "2024-13-45T99:99", "NaN", "[]"]


def assert_problem(response: Response, *, status: int | None = None,
                   code: str | None = None) -> dict[str, Any]:
    assert response.status_code < 500, response.text
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    problem: dict[str, Any] = response.json()
    assert problem["code"] in STABLE_CODES, problem
    assert problem["status"] == response.status_code, problem
    assert problem["title"] and problem["detail"], problem
    assert problem["type"].endswith("/" + problem["code"]), problem
    if status is not None:
        assert response.status_code == status, response.text
    if code is not None:
        assert problem["code"] == code, problem
    return problem


def assert_no_safety_net_used(caplog: pytest.LogCaptureFixture) -> None:
    """Validation refused the input itself: the database was never asked to store a bad
    value, and no handler of last resort answered."""
    slipped = [r.getMessage() for r in caplog.records
               if r.name.startswith("walletguard") and r.levelno >= logging.WARNING]
    assert slipped == []


def _cases(op: Operation) -> Iterator[tuple[str, dict[str, Any], int, str, str | None]]:
    """(name, request kwargs, status, code, field the error must name)."""
    assert op.body_schema is not None
    valid = openapi_walk.sample(op.body_schema)
    as_json = {"content-type": "application/json"}
    yield "malformed JSON", {"content": b'{"phone": "+86139', "headers": as_json}, 422, \
        "invalid_input", None
    yield "JSON array", {"json": [valid]}, 422, "invalid_input", None
    yield "JSON string", {"json": "hello"}, 422, "invalid_input", None
    yield "JSON null", {"content": b"null", "headers": as_json}, 422, "invalid_input", None
    yield "empty body", {"content": b"", "headers": as_json}, 422, "invalid_input", None
    yield "no content type", {"content": json.dumps(valid).encode()}, 422, \
        "invalid_input", None
    yield "text/plain", {"content": json.dumps(valid).encode(),
                         "headers": {"content-type": "text/plain"}}, 422, "invalid_input", None
    yield "not UTF-8", {"content": b"\xff\xfe\x00{\x00}", "headers": as_json}, 422, \
        "invalid_input", None
    yield "deep nesting", {"content": b"[" * 20_000 + b"]" * 20_000, "headers": as_json}, \
        422, "invalid_input", None
    yield "unknown field", {"json": {**valid, "is_admin": True}}, 422, "invalid_input", \
        "is_admin"
    huge = b'{"padding": "' + b"a" * MEGABYTE + b'"}'
    yield "1 MB body", {"content": huge, "headers": as_json}, 413, "payload_too_large", None
    yield "1 MB body, chunked", {"content": iter([huge[i:i + 65536]
                                                  for i in range(0, len(huge), 65536)]),
                                 "headers": as_json}, 413, "payload_too_large", None
    for path, schema in openapi_walk.fields(op.body_schema):
        dotted = ".".join(path)
        yield f"wrong type for {dotted}", {"json": openapi_walk.replaced(
            valid, path, openapi_walk.wrong_type(schema))}, 422, "invalid_input", dotted
        if schema.get("type") == "string" and "enum" not in schema:
            for label, text in (("NUL", "ab\x00cd"), ("lone surrogate", "ab\ud800cd")):
                yield f"{label} in {dotted}", {"content": json.dumps(
                    openapi_walk.replaced(valid, path, text)).encode(), "headers": as_json}, \
                    422, "invalid_input", dotted
            yield f"10 kB string in {dotted}", {"json": openapi_walk.replaced(
                valid, path, "x" * 10_000)}, 422, "invalid_input", dotted
        if schema.get("type") in ("integer", "number"):
            yield f"huge number in {dotted}", {"json": openapi_walk.replaced(
                valid, path, 10**40)}, 422, "invalid_input", dotted
            yield f"NaN in {dotted}", {"content": json.dumps(
                openapi_walk.replaced(valid, path, float("nan"))).encode(),
                "headers": as_json}, 422, "invalid_input", dotted
        if schema.get("type") == "object" and "properties" not in schema:
            # free-form objects (WebAuthn credential, risk context): what nothing can store
            yield f"NaN inside {dotted}", {"content": json.dumps(openapi_walk.replaced(
                valid, path, {"x": float("inf"), "y": [float("nan")]})).encode(),
                "headers": as_json}, 422, "invalid_input", None
            yield f"NUL inside {dotted}", {"json": openapi_walk.replaced(
                valid, path, {"k\x00": "v\x00"})}, 422, "invalid_input", None


@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=lambda op: op.id)
def test_bad_json_bodies_are_refused_with_a_problem_and_change_nothing(
    op: Operation, client: TestClient, platform: Platform,
    role_headers: dict[str, dict[str, str]], caplog: pytest.LogCaptureFixture,
) -> None:
    role = op.credential_role()
    headers = role_headers[role] if role else {}
    url = op.url()
    counts, before = row_counts(platform), contents(platform)
    failures = []
    for name, request, status, code, field in _cases(op):
        extra = request.pop("headers", {})
        response = client.request(op.method, url, headers={**headers, **extra}, **request)
        try:
            problem = assert_problem(response, status=status, code=code)
            if field is not None:
                named = {e["field"] for e in problem.get("errors", [])} | {problem.get("field")}
                assert field in named, f"{field} not among {named}: {problem['detail']}"
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    assert row_counts(platform) == counts
    assert changed_tables(before, contents(platform)) == []
    assert not failures, f"{op.id}:\n" + "\n".join(failures)
    assert_no_safety_net_used(caplog)


@pytest.mark.parametrize("op", PARAM_OPERATIONS, ids=lambda op: op.id)
def test_garbage_path_and_query_params_are_refused_and_change_nothing(
    op: Operation, client: TestClient, platform: Platform,
    role_headers: dict[str, dict[str, str]], caplog: pytest.LogCaptureFixture,
) -> None:
    role = op.credential_role()
    headers = role_headers[role] if role else {}
    body = openapi_walk.sample(op.body_schema) if op.body_schema else None
    before = contents(platform)
    failures = []
    urls = [op.url(**dict.fromkeys(op.path_params, value)) for value in GARBAGE_PATH_VALUES
            ] if op.path_params else []
    for param in op.query_params:
        urls += [f"{op.url()}?{param['name']}={value}" for value in GARBAGE_QUERY_VALUES]
    for url in urls:
        response = client.request(op.method, url, headers=headers, json=body)
        try:
            if op.method != "GET":
                assert_problem(response)
            else:  # a read may harmlessly find nothing (an agent's search by user id)
                assert response.status_code < 500, response.text
                if response.status_code >= 400:
                    assert_problem(response)
        except AssertionError as exc:
            failures.append(f"{url[:120]}: {exc}")
    assert changed_tables(before, contents(platform)) == []
    assert not failures, f"{op.id}:\n" + "\n".join(failures)
    assert_no_safety_net_used(caplog)


def test_every_json_body_operation_is_walked() -> None:
    """The walk sees the public, owner and staff operations (guards the walker)."""
    ids = {op.id for op in BODY_OPERATIONS}
    assert {"POST /v1/users", "POST /v1/sessions", "POST /v1/payments", "POST /v1/merchants",
            "DELETE /v1/admin/restrictions/{restriction_id}"} <= ids
    roles = {op.credential_role() for op in BODY_OPERATIONS}
    assert {None, "owner", "operator", "agent"} <= roles


HOSTILE_NAMES = ["'); DROP TABLE users;--", "<script>alert(1)</script>",
                 "Robert'); DELETE FROM audit_events; --", "\" OR \"1\"=\"1", "${jndi:x}"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_sql_and_html_in_names_are_stored_and_returned_inertly(
    name: str, client: TestClient, platform: Platform,
    role_headers: dict[str, dict[str, str]],
) -> None:
    phone = factories.phone()
    created = client.post("/v1/users", json={
        "phone": phone, "password": factories.PASSWORD, "real_name": name,
        "id_number": factories.resident_id()})
    assert created.status_code == 201, created.text
    session = client.post("/v1/sessions", json={
        "phone": phone, "password": factories.PASSWORD,
        "device": {"id": name, "name": name, "platform": "ios", "fingerprint": {name: name}}})
    assert session.status_code == 201, session.text
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {session.json()['token']}"})
    assert me.status_code == 200
    assert me.headers["content-type"] == "application/json"
    assert me.json()["name_masked"] == name[0] + "*" * (len(name) - 1)
    assert "<script>" not in me.text
    devices = client.get("/v1/devices",
                         headers={"Authorization": f"Bearer {session.json()['token']}"})
    assert devices.json()["items"][0]["name"] == name  # JSON-escaped, never interpreted
    merchant = client.post("/v1/merchants", json={"name": name, "category": name[:40]},
                           headers=role_headers["operator"])
    assert merchant.status_code == 201, merchant.text
    assert merchant.json()["name"] == name
    counts = row_counts(platform)
    assert counts["users"] == 2 and counts["audit_events"] > 0  # nothing was dropped
    # the table the name tried to drop still answers
    again = client.post("/v1/sessions", json={
        "phone": phone, "password": factories.PASSWORD,
        "device": {"id": name, "name": name, "platform": "ios", "fingerprint": {name: name}}})
    assert again.status_code == 201, again.text


def test_the_real_server_refuses_bad_input_the_same_way(server: str, platform: Platform) -> None:
    """Through uvicorn and its HTTP parser, not only the in-process client."""
    huge = b'{"phone": "' + b"1" * MEGABYTE + b'"}'
    as_json = {"content-type": "application/json"}
    before = row_counts(platform)
    with httpx.Client(base_url=server, timeout=30) as http:
        cases = [
            (http.post("/v1/users", content=b"{", headers=as_json), 422, "invalid_input"),
            (http.post("/v1/users", content=huge, headers=as_json), 413, "payload_too_large"),
            (http.post("/v1/users", content=iter([huge[i:i + 8192]
                                                  for i in range(0, len(huge), 8192)]),
                       headers=as_json), 413, "payload_too_large"),
            (http.post("/v1/users", json={"phone": "a\x00b"}), 422, "invalid_input"),
            (http.get("/v1/devices/a%00b"), 422, "invalid_input"),
            (http.get("/v1/nothing-here"), 404, "not_found"),
            (http.put("/v1/users"), 405, "method_not_allowed"),
        ]
    for response, status, code in cases:
        assert_problem(response, status=status, code=code)
    assert row_counts(platform) == before
