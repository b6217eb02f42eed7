"""The password hasher's bound: at most ``concurrency`` argon2 hashes at once per
process, a bounded wait for the rest, and a request's reserved slot used by its own
hash. (The flood through a real server is in tests/attacks/test_input_hardening.py.)"""

from __future__ import annotations

import contextvars
import threading
import time

import pytest
from argon2 import PasswordHasher

from walletguard.crypto import PasswordHashing
from walletguard.errors import Unavailable


def hashing(concurrency: int = 1, wait_seconds: float = 0.2) -> PasswordHashing:
    return PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
                           concurrency=concurrency, wait_seconds=wait_seconds)


def in_new_context(work: object) -> object:
    """Run ``work`` as another request would: in a fresh context, on another thread."""
    found: list[object] = []
    thread = threading.Thread(target=lambda: found.append(
        contextvars.Context().run(_capture, work)))
    thread.start()
    thread.join()
    return found[0]


def _capture(work: object) -> object:
    try:
        return work()  # type: ignore[operator]
    except Exception as exc:  # returned to the test to assert on
        return exc


def test_a_hash_beyond_the_limit_waits_a_bounded_time_then_is_unavailable() -> None:
    passwords = hashing(wait_seconds=0.2)
    held = passwords.try_reserve()
    assert held is not None

    started = time.monotonic()
    refused = in_new_context(lambda: passwords.hash("Plum-Blossom-88"))

    assert isinstance(refused, Unavailable)
    assert refused.status == 503
    assert refused.problem()["retry_after"] == 1
    assert 0.2 <= time.monotonic() - started < 1
    held.release()
    assert passwords.verify(passwords.hash("Plum-Blossom-88"), "Plum-Blossom-88")


def test_a_request_hashes_in_the_slot_it_reserved_even_on_another_thread() -> None:
    passwords = hashing(concurrency=1, wait_seconds=0.1)
    held = passwords.try_reserve()
    assert held is not None
    # the request's use case runs in a copy of its context, on a worker thread
    context = contextvars.copy_context()
    found: list[str] = []
    worker = threading.Thread(target=lambda: found.append(
        context.run(passwords.hash, "Plum-Blossom-88")))
    worker.start()
    worker.join()

    assert found and found[0].startswith("$argon2id$")
    assert passwords.try_reserve() is None  # still one slot, still held
    held.release()
    held.release()  # releasing twice gives back one slot, not two
    again = passwords.try_reserve()
    assert again is not None and passwords.try_reserve() is None


class CountingHasher(PasswordHasher):
    """Real argon2, counting how many hashes run at the same moment."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.running = self.most = 0
        self._lock = threading.Lock()

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.02)  # long enough for the others to pile up
            return super().hash(password, salt=salt)
        finally:
            with self._lock:
                self.running -= 1


@pytest.mark.parametrize("concurrency", [1, 3])
def test_no_more_than_the_limit_hash_at_once(concurrency: int) -> None:
    counting = CountingHasher()
    passwords = PasswordHashing(counting, concurrency=concurrency, wait_seconds=10)
    threads = [threading.Thread(target=passwords.hash, args=("Plum-Blossom-88",))
               for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counting.most == concurrency
