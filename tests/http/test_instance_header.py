"""``X-Walletguard-Instance`` names the process that answered: the same on every response
of one process, refusals included, and different between the server's workers."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from tests import races


def test_every_response_of_one_process_names_the_same_instance(client: TestClient) -> None:
    ok = client.get("/healthz")
    missing = client.get("/v1/no-such-route")
    too_large = client.post("/v1/users", content=b"x" * (1024 * 1024),
                            headers={"content-type": "application/json"})
    assert (ok.status_code, missing.status_code, too_large.status_code) == (200, 404, 413)
    instances = {r.headers[races.HEADER] for r in (ok, missing, too_large)}
    assert len(instances) == 1
    [instance] = instances
    assert len(instance) == 16 and int(instance, 16) >= 0  # random hex, not a pid


def test_the_two_workers_of_the_server_name_different_instances(server: str) -> None:
    with races.clients_on_both_workers(server, 2) as clients:
        instances = [races.instance_of(http.get("/healthz")) for http in clients]
    assert len(set(instances)) == 2
    assert all(httpx.get(server + "/healthz").headers[races.HEADER] in instances
               for _ in range(4))
