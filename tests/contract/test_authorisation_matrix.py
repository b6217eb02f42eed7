"""Every route × every role against the table in docs/security.md ("Authorisation
matrix"), which is the source of truth: the test fails when the code or the table drifts.

An outcome is what the role check decides, not what the sample input then meets:
``allowed`` (anything but the refusals below: 2xx, 404, 409, 422 …), ``401``
(unauthenticated), ``403`` (``forbidden`` by the role check) or ``step-up`` (an
untrusted owner session refused until its device is trusted)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.contract.roles import MATRIX_ROLES, headers_for
from tests.http import openapi_walk
from walletguard.runtime import Platform

SECURITY_MD = Path(__file__).resolve().parents[2] / "docs" / "security.md"
COLUMNS = {"owner": "owner", "untrusted": "owner (untrusted)", "agent": "agent",
           "teller": "teller", "operator": "operator", "institution": "institution",
           "anonymous": "no token"}
OUTCOMES = {"allowed", "401", "403", "step-up"}


def documented() -> dict[str, dict[str, str]]:
    """The matrix table: {"METHOD /path": {role: outcome}}."""
    text = SECURITY_MD.read_text(encoding="utf-8")
    section = text.split("## Authorisation matrix", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert header[1:] == [COLUMNS[r] for r in MATRIX_ROLES], header
    table = {}
    for line in rows[2:]:
        cells = [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        table[cells[0]] = dict(zip(MATRIX_ROLES, cells[1:], strict=True))
    return table


def outcome(operation: openapi_walk.Operation, response: httpx.Response) -> str:
    # A public operation has no credential to refuse: its 401 (a wrong password) is the
    # input's.
    if response.status_code == 401 and operation.roles is not None:
        return "401"
    if response.status_code == 403:
        body = response.json()
        # The role check's refusals (auth.principal.Principal.require), told apart from a
        # service's own 403s (a wrong PIN, no biometric binding) by what they carry.
        if body["code"] == "forbidden" and body["detail"].startswith("this action needs"):
            return "403"
        if body["code"] == "step_up_required" and "challenge_id" in body:
            return "step-up"
    return "allowed"


def test_the_table_names_every_operation_once() -> None:
    table = documented()
    served = {op.id for op in openapi_walk.operations()}
    assert sorted(set(table) - served) == [], "rows for operations the app does not serve"
    assert sorted(served - set(table)) == [], "operations missing from the table"
    bad = {(route, role, cell) for route, row in table.items() for role, cell in row.items()
           if cell not in OUTCOMES}
    assert bad == set()


@pytest.mark.parametrize("operation", openapi_walk.operations(), ids=lambda op: op.id)
def test_each_role_meets_the_documented_outcome(
    operation: openapi_walk.Operation, client: TestClient, platform: Platform,
) -> None:
    expected = documented()[operation.id]
    body = (openapi_walk.sample(operation.body_schema)
            if operation.body_schema is not None else None)
    actual = {}
    for role in MATRIX_ROLES:
        response = client.request(operation.method, operation.url(), json=body,
                                  headers=headers_for(platform, role))
        assert response.status_code < 500, (role, response.text)
        actual[role] = outcome(operation, response)
    assert actual == expected
