"""Who may call what. Bearer tokens are checked against the database on every request;
roles are checked in one place (``walletguard.http.deps.role``) and the OpenAPI
document states them as the bearer scheme's scopes — the matrix below is read from it.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories, races
from tests.http import openapi_walk
from tests.http.openapi_walk import Operation
from walletguard.audit.models import AuditEvent
from walletguard.auth import service as auth
from walletguard.auth.models import ApiKey
from walletguard.errors import NotFound
from walletguard.runtime import Platform

ROLES = ("owner", "operator", "agent", "teller", "institution")
GUARDED = [op for op in openapi_walk.operations() if op.roles]  # a named role is required

BAD_AUTHORIZATION = [
    None, "", "Bearer", "Bearer ", "Bearer    ", "Basic dXNlcjpwYXNz", "Token wgs_abc",
    "bearer wgs_" + "A" * 43, "Bearer wgk_" + "B" * 43, "Bearer something-else",
    "Bearer " + "x" * 5000, "Bearer wgs_ä", "Bearer wgs_abc def", "Bearer ' OR 1=1 --",
]


@pytest.fixture
def tokens(platform: Platform) -> dict[str, str]:
    found = {"owner": factories.register_owner(platform).token}
    for role in ROLES[1:]:
        found[role] = factories.api_key(platform, role)
    return found


def call(client: TestClient | httpx.Client, op: Operation,
         headers: dict[str, str]) -> httpx.Response:
    """The operation with a schema-valid body, so only the credential decides."""
    body = openapi_walk.sample(op.body_schema) if op.body_schema else None
    return client.request(op.method, op.url(), headers=headers, json=body)


@pytest.mark.parametrize("path", ["/v1/me", "/v1/admin/audit?user_id=usr_x", "/v1/topups"])
def test_missing_unknown_or_malformed_bearer_is_401_problem(
    path: str, client: TestClient, platform: Platform,
) -> None:
    method = "POST" if path == "/v1/topups" else "GET"
    body = {"user_id": "usr_x", "amount": 1} if method == "POST" else None
    for authorization in BAD_AUTHORIZATION:
        headers = {} if authorization is None else {"Authorization": authorization.encode()}
        response = client.request(method, path, headers=headers, json=body)
        assert response.status_code == 401, (authorization, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "unauthenticated"
        presented = (authorization or "").partition(" ")[2].strip()
        if len(presented) >= 8:
            assert presented not in response.text  # a refusal never echoes the credential


def test_the_role_matrix_follows_what_openapi_states(
    client: TestClient, platform: Platform, tokens: dict[str, str],
) -> None:
    """Every guarded operation, every role it does not admit: 403 forbidden."""
    refused = []
    for op in GUARDED:
        assert op.roles is not None
        for role in ROLES:
            if role in op.roles:
                continue
            response = call(client, op, {"Authorization": f"Bearer {tokens[role]}"})
            if response.status_code != 403 or response.json().get("code") != "forbidden":
                refused.append(f"{role} on {op.id}: {response.status_code} {response.text}")
    assert not refused, "\n".join(refused)


def test_every_guarded_operation_states_a_role() -> None:
    ids = {op.id: op.roles for op in openapi_walk.operations()}
    assert ids["GET /v1/me"] == ("owner",)
    assert ids["POST /v1/merchants"] == ("operator",)
    assert ids["POST /v1/topups"] == ("operator",)
    assert ids["POST /v1/admin/users/{user_id}/restrictions"] == ("agent",)
    assert set(ids["DELETE /v1/admin/restrictions/{restriction_id}"] or ()) == {"agent",
                                                                              "teller"}
    assert ids["POST /v1/users"] is None and ids["POST /v1/sessions"] is None
    assert ids["POST /v1/lost-phone-reports"] is None


def test_owner_token_on_operator_and_agent_endpoints_is_forbidden(
    client: TestClient, platform: Platform, tokens: dict[str, str],
) -> None:
    owner = {"Authorization": f"Bearer {tokens['owner']}"}
    user_id = client.get("/v1/me", headers=owner).json()["id"]
    for method, path, body in [
        ("POST", "/v1/topups", {"user_id": user_id, "amount": 1_000_000}),
        ("POST", "/v1/merchants", {"name": "mine", "category": "retail"}),
        ("POST", f"/v1/admin/users/{user_id}/restrictions", {"reason": "x"}),
        ("GET", f"/v1/admin/audit?user_id={user_id}", None),
    ]:
        response = client.request(method, path, headers=owner, json=body)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["code"] == "forbidden"
    wallet = client.get("/v1/wallet", headers=owner).json()
    assert wallet["balance"] == 0  # the refused top-up left nothing behind


def test_agent_key_on_operator_endpoints_is_forbidden(
    client: TestClient, tokens: dict[str, str],
) -> None:
    agent = {"Authorization": f"Bearer {tokens['agent']}"}
    for path, body in [("/v1/topups", {"user_id": "usr_x", "amount": 1}),
                       ("/v1/merchants", {"name": "n", "category": "c"})]:
        response = client.post(path, headers=agent, json=body)
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
    # and a staff key is not an owner session
    assert client.get("/v1/me", headers=agent).status_code == 403


def test_a_revoked_key_is_refused_from_the_next_request(
    client: TestClient, platform: Platform, tokens: dict[str, str],
) -> None:
    agent = {"Authorization": f"Bearer {tokens['agent']}"}
    assert client.get("/v1/admin/audit?user_id=usr_x", headers=agent).status_code == 200
    with platform.db.transaction() as db:
        key = db.execute(select(ApiKey).where(ApiKey.role == "agent")).scalar_one()
        auth.revoke_api_key(db, key_id=key.id, actor=factories.OPERATOR,
                            now=platform.clock.now())
    refused = client.get("/v1/admin/audit?user_id=usr_x", headers=agent)
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthenticated"
    # the other keys still work
    teller = {"Authorization": f"Bearer {tokens['operator']}"}
    assert client.post("/v1/merchants", headers=teller,
                       json={"name": "n", "category": "c"}).status_code == 201
    with platform.db.transaction() as db:
        events = db.execute(select(AuditEvent).where(
            AuditEvent.action == "api_key.revoked")).scalars().all()
        assert [e.subject for e in events] == [key.id]
        assert events[0].actor == factories.OPERATOR.ref


def test_revoking_twice_records_one_revocation_and_unknown_keys_are_not_found(
    platform: Platform, clock: object,
) -> None:
    factories.api_key(platform, "teller")
    with platform.db.transaction() as db:
        key_id = db.execute(select(ApiKey.id)).scalar_one()
    barrier = threading.Barrier(4)

    def revoke(_: int) -> None:
        barrier.wait()
        with platform.db.transaction() as db:
            auth.revoke_api_key(db, key_id=key_id, actor=factories.OPERATOR,
                                now=platform.clock.now())

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(revoke, range(4)))
    with platform.db.transaction() as db:
        actions = db.execute(select(AuditEvent.action).where(
            AuditEvent.subject == key_id)).scalars().all()
        assert sorted(actions) == ["api_key.created", "api_key.revoked"]
        with pytest.raises(NotFound):
            auth.revoke_api_key(db, key_id="key_nope", actor=factories.OPERATOR,
                                now=platform.clock.now())


def test_api_keys_are_stored_only_as_digests(
    platform: Platform, tokens: dict[str, str],
) -> None:
    with platform.db.transaction() as db:
        stored = {k.role: k for k in db.execute(select(ApiKey)).scalars()}
    for role in ROLES[1:]:
        assert stored[role].key_digest == platform.keys.token_digest(tokens[role])
        assert tokens[role] not in stored[role].key_digest


@pytest.mark.parametrize("role", ["owner", "public", "system", "root", ""])
def test_api_keys_exist_only_for_staff_roles(role: str, platform: Platform) -> None:
    from walletguard.errors import InvalidInput

    with platform.db.transaction() as db, pytest.raises(InvalidInput):
        auth.create_api_key(db, keys=platform.keys, role=role, name="x",
                            actor=factories.OPERATOR, now=platform.clock.now())


def test_a_revoked_key_is_refused_by_every_worker(
    server: str, platform: Platform,
) -> None:
    key = factories.api_key(platform, "agent")
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server, timeout=30) as http:
        assert http.get("/v1/admin/audit?user_id=usr_x", headers=headers).status_code == 200
    with platform.db.transaction() as db:
        key_id = db.execute(select(ApiKey.id).where(ApiKey.role == "agent")).scalar_one()
        auth.revoke_api_key(db, key_id=key_id, actor=factories.OPERATOR,
                            now=platform.clock.now())
    with races.clients_on_both_workers(server, 8, timeout=30) as clients:
        refusals = [http.get("/v1/admin/audit?user_id=usr_x", headers=headers)
                    for http in clients]
    assert [r.status_code for r in refusals] == [401] * 8
    races.assert_both_workers_served(refusals)
