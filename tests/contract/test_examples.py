"""Every example the document shows is valid: it matches its own schema, and sent to the
server it is not refused as input (the ``POST /v1/users`` one registers an owner)."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.http import openapi_walk
from walletguard.runtime import Platform


def _examples() -> list[tuple[str, dict[str, Any], Any]]:
    """(operation, its body schema, example): whole-body examples, or one composed of the
    properties' examples where every required property has one."""
    doc = openapi_walk.document()
    found = []
    for op in openapi_walk.json_body_operations():
        ref = op.spec["requestBody"]["content"]["application/json"]["schema"]
        schema = openapi_walk.resolve(ref, doc)
        bodies = list(schema.get("examples", []))
        props = schema.get("properties", {})
        if not bodies and all("examples" in props[name] for name in schema.get("required", [])):
            bodies = [{name: p["examples"][0] for name, p in props.items() if "examples" in p}]
        found += [(op.id, ref, body) for body in bodies]
    return found


EXAMPLES = _examples()


@pytest.mark.parametrize(("operation", "ref", "example"), EXAMPLES,
                         ids=[f"{op}#{i}" for i, (op, _, _) in enumerate(EXAMPLES)])
def test_each_example_matches_its_schema(operation: str, ref: dict[str, Any],
                                         example: Any) -> None:
    doc = openapi_walk.document()
    validator = jsonschema_rs.validator_for({**ref, "components": doc["components"]})
    assert validator.is_valid(example), list(validator.iter_errors(example))[:3]


def test_the_registration_example_registers_an_owner(client: TestClient) -> None:
    body = next(e for op, _, e in EXAMPLES if op == "POST /v1/users")
    created = client.post("/v1/users", json=body)
    assert created.status_code == 201, created.text


def test_the_biometric_example_passes_input_checks_and_fails_only_its_challenge(
    client: TestClient, platform: Platform,
) -> None:
    owner = factories.register_owner(platform)
    body = next(e for op, _, e in EXAMPLES if op == "POST /v1/biometric/registrations")
    answer = client.post("/v1/biometric/registrations", json=body, headers=owner.headers)
    factories.assert_problem(answer, 403, "invalid_biometric")
