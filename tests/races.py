"""Shared by the race tests that go through ``walletguard serve --workers 2``.

A race across worker processes proves the database lock only if both processes took
part: if every contender landed on one worker, a process-local lock (or the GIL) could
have serialised them and the test would pass with the database lock removed. Each
response names its worker in ``X-Walletguard-Instance``; these helpers collect the names.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx

HEADER = "X-Walletguard-Instance"
WORKERS = 2  # the ``server`` fixture's ``--workers``


def instance_of(response: httpx.Response) -> str:
    instance: str | None = response.headers.get(HEADER)
    assert instance, f"no {HEADER} on {response.request.method} {response.request.url}"
    return instance


def assert_both_workers(instances: Iterable[str]) -> None:
    """``instances`` (header values) name every worker process of the server."""
    served = set(instances)
    assert len(served) == WORKERS, (
        f"the race was served by {len(served)} worker(s) {sorted(served)}, not {WORKERS}: "
        "it proved nothing across processes")


def assert_both_workers_served(responses: Iterable[httpx.Response]) -> None:
    """The race's own requests were answered by both worker processes."""
    assert_both_workers(instance_of(r) for r in responses)


class Served:
    """Collects, from any number of threads, which worker answered each response."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._instances: list[str] = []

    def saw(self, response: httpx.Response) -> httpx.Response:
        instance = instance_of(response)
        with self._lock:
            self._instances.append(instance)
        return response

    def assert_both_workers(self) -> None:
        with self._lock:
            assert_both_workers(self._instances)


def _probe(answers: dict[int, str], i: int, client: httpx.Client) -> None:
    answers[i] = instance_of(client.get("/healthz"))


@contextmanager
def clients_on_both_workers(server: str, n: int, **options: Any) -> Iterator[list[httpx.Client]]:
    """``n`` HTTP clients, each holding a keep-alive connection that a worker has already
    answered on, split as evenly as the workers allow (alternating in the list).

    Which process accepts a new connection is the kernel's choice: eight connections
    opened at once are often all taken by one worker's accept loop. A client whose
    ``/healthz`` came from a worker that already has its share is closed and replaced,
    so the race's requests (sent on these same connections) reach both processes."""
    share = -(-n // WORKERS)
    by_worker: dict[str, list[httpx.Client]] = {}
    with ExitStack() as stack:
        for _ in range(40):
            missing = n - sum(len(c) for c in by_worker.values())
            if missing == 0:
                break
            # Opened at once: a worker busy accepting and answering one connection leaves
            # the next to the other (one at a time, the same worker's accept loop tends to
            # win every time).
            batch = [httpx.Client(base_url=server, **{"timeout": 60, **options})
                     for _ in range(max(missing, WORKERS) * 2)]
            for client in batch:
                stack.callback(client.close)
            answers: dict[int, str] = {}
            threads = [threading.Thread(target=_probe, args=(answers, i, c))
                       for i, c in enumerate(batch)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for i, client in enumerate(batch):
                placed = by_worker.setdefault(answers[i], [])
                if len(placed) >= share or sum(len(c) for c in by_worker.values()) >= n:
                    client.close()
                else:
                    placed.append(client)
        counts = Counter({k: len(v) for k, v in by_worker.items()})
        assert sum(counts.values()) == n and len(counts) == WORKERS, (
            f"could not spread {n} connections over {WORKERS} workers: {dict(counts)}")
        groups = list(by_worker.values())
        yield [c for i in range(share) for g in groups if i < len(g) for c in [g[i]]]
