"""The shape of the contract itself: errors as one Problem schema, /metrics as text, and
405 answers that say what is allowed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.http import openapi_walk
from walletguard.http.schema import ROUTE_ERRORS


def test_every_error_response_is_a_problem_with_its_codes() -> None:
    wrong = []
    for op in openapi_walk.operations():
        for status, response in op.spec["responses"].items():
            if int(status) < 400 or op.id == "GET /readyz":
                continue
            schema = response["content"]["application/problem+json"]["schema"]
            if schema["allOf"][0] != {"$ref": "#/components/schemas/Problem"} or \
                    not schema["allOf"][1]["properties"]["code"]["enum"]:
                wrong.append((op.id, status))
    assert wrong == []


def test_every_served_operation_has_its_row_of_errors() -> None:
    assert sorted(op.id for op in openapi_walk.operations()) == sorted(ROUTE_ERRORS)


def test_metrics_are_documented_as_text() -> None:
    metrics = openapi_walk.document()["paths"]["/metrics"]["get"]["responses"]["200"]
    assert list(metrics["content"]) == ["text/plain"]


def test_a_wrong_method_is_405_naming_every_method_of_the_path(client: TestClient) -> None:
    answer = client.patch("/v1/trusted-contacts", json={})
    assert answer.status_code == 405
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "method_not_allowed"
    # Two routes serve this path (GET and PUT); Starlette alone would name only one.
    assert answer.headers["allow"] == "GET, PUT"
