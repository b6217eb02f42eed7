"""The priority lane's pause, on one worker's event loop: while a freeze (or a lost-phone
report, a lock placement) is worked on, the money lane hands out no new slot; payments
already admitted finish, those waiting keep their place and their deadline, and the slots
go out again, in arrival order, when the last priority request ends or the pause runs out.

The flood against ``walletguard serve`` is ``test_admission.py``; here the ASGI
middleware runs on a stub app so each step can be ordered exactly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from walletguard.http import admission
from walletguard.http.admission import Admission, Slots


def run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    # In a thread of its own: while the browser tests' Playwright session is open (its
    # sync API keeps an event loop running in the main thread), asyncio.run there refuses.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, main()).result()


def test_a_pause_hands_out_no_slot_until_it_ends_then_waiters_go_in_order() -> None:
    async def main() -> None:
        slots = Slots(2)
        assert await slots.acquire(0)
        resume = slots.pause()
        assert not await slots.acquire(0.01), "a free slot was handed out during the pause"
        first = asyncio.ensure_future(slots.acquire(5))
        second = asyncio.ensure_future(slots.acquire(5))
        third = asyncio.ensure_future(slots.acquire(5))
        await asyncio.sleep(0.01)  # all three are in the queue
        slots.release()  # the admitted payment ends while paused: the slot is not passed on
        await asyncio.sleep(0.01)
        assert not (first.done() or second.done() or third.done())
        assert slots.in_use == 0
        resume()
        resume()  # a second call (the timer and the request's end both fire) does nothing
        assert await first and await second
        assert not third.done() and slots.in_use == 2 and slots.paused == 0
        slots.release()
        assert await third

    run(main)


def test_overlapping_pauses_hold_until_the_last_one_ends() -> None:
    async def main() -> None:
        slots = Slots(1)
        end_first, end_second = slots.pause(), slots.pause()
        waiting = asyncio.ensure_future(slots.acquire(5))
        end_first()
        await asyncio.sleep(0.01)
        assert not waiting.done()
        end_second()
        assert await waiting

    run(main)


def test_a_payment_waiting_through_a_pause_still_gets_its_503_at_its_deadline() -> None:
    async def main() -> None:
        slots = Slots(1)
        resume = slots.pause()
        assert not await slots.acquire(0.02)
        resume()
        assert slots.in_use == 0 and await slots.acquire(0)

    run(main)


def test_overlapping_priority_requests_hold_the_lane_only_so_long_from_the_first(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admission, "PAUSE_AT_MOST", 0.1)

    async def main() -> None:
        slots = Slots(1)
        resume = slots.pause()
        waiting = asyncio.ensure_future(slots.acquire(5))
        for _ in range(6):  # a stream of reports, each overlapping the one before
            await asyncio.sleep(0.03)
            later = slots.pause()
            resume()
            resume = later
        assert waiting.done() and await waiting, "the stream kept the money lane shut"
        resume()
        assert slots.paused == 0
        slots.release()
        next_pause = slots.pause()  # a new pause, after the stream ended, holds again
        assert not await slots.acquire(0.02)
        next_pause()

    run(main)


def test_a_payment_the_queue_could_not_serve_in_time_is_told_at_once() -> None:
    async def main() -> None:
        slots = Slots(1)
        assert await slots.acquire(0)
        first = asyncio.ensure_future(slots.acquire(5))
        await asyncio.sleep(0.01)
        assert slots.queued == 1
        # No pace known yet: a newcomer waits (and here gives up at its deadline).
        assert not await slots.acquire(0.01)
        assert slots.queued == 1
        slots.observe(0.4)  # recent payments held their slot 0.4 s
        started = asyncio.get_running_loop().time()
        # One ahead and one in service at 0.4 s each: 0.8 s > 0.5 s, so no waiting.
        assert not await slots.acquire(0.5)
        assert asyncio.get_running_loop().time() - started < 0.05
        # Within reach of its deadline, it queues as before.
        second = asyncio.ensure_future(slots.acquire(5))
        await asyncio.sleep(0.01)
        assert slots.queued == 2
        slots.release()
        assert await first and slots.queued == 1
        slots.release()
        assert await second and slots.queued == 0

    run(main)


@pytest.mark.parametrize(("method", "path", "priority"), [
    ("POST", "/v1/freeze", True),
    ("POST", "/v1/lost-phone-reports", True),
    ("POST", "/v1/trusted-contacts/lost-phone-reports", True),
    ("POST", "/v1/incidents", True),
    ("POST", "/v1/admin/users/usr_01J9ZX/restrictions", True),
    ("POST", "/v1/admin/users/usr_01J9ZX/incidents", True),
    ("POST", "/security/report", True),
    ("POST", "/security/freeze", True),
    ("POST", "/staff/users/usr_01J9ZX/restrictions", True),
    ("GET", "/v1/admin/users/usr_01J9ZX/restrictions", False),
    ("POST", "/v1/admin/users/a/b/restrictions", False),
    ("POST", "/v1/freeze/extra", False),
    ("POST", "/v1/payments", False),
])
def test_the_priority_lane_is_known_before_routing(method: str, path: str,
                                                   priority: bool) -> None:
    assert admission.is_priority_path(method, path) is priority


class StubApp:
    """An ASGI app whose requests each wait for the test to let them finish."""

    def __init__(self) -> None:
        self.running: list[str] = []
        self.release: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        name = scope["path"] + "#" + scope["query_string"].decode()
        self.release[name] = asyncio.Event()
        self.running.append(name)
        await self.release[name].wait()
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def request(app: Admission, path: str, tag: str) -> asyncio.Future[list[Any]]:
    scope = {"type": "http", "method": "POST", "path": path,
             "query_string": tag.encode(), "headers": []}
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    async def go() -> list[Any]:
        await app(scope, receive, send)
        return sent

    return asyncio.ensure_future(go())


def test_a_freeze_in_flight_admits_no_new_payment_until_it_answers() -> None:
    async def main() -> None:
        stub = StubApp()
        app = Admission(stub, money_in_flight=2, money_wait_seconds=5)
        paying = request(app, "/v1/payments", "1")
        await asyncio.sleep(0)
        freeze = request(app, "/v1/freeze", "f")
        await asyncio.sleep(0.01)
        arriving = request(app, "/v1/payments", "2")  # a slot is free, but a freeze runs
        await asyncio.sleep(0.01)
        assert stub.running == ["/v1/payments#1", "/v1/freeze#f"]
        stub.release["/v1/freeze#f"].set()
        await freeze
        await asyncio.sleep(0.01)
        assert stub.running[-1] == "/v1/payments#2"
        for name in ("/v1/payments#1", "/v1/payments#2"):
            stub.release[name].set()
        assert (await paying)[0]["status"] == (await arriving)[0]["status"] == 201

    run(main)


def test_a_freeze_that_runs_long_pauses_the_money_lane_only_so_long(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admission, "PAUSE_AT_MOST", 0.05)

    async def main() -> None:
        stub = StubApp()
        app = Admission(stub, money_in_flight=1, money_wait_seconds=5)
        freeze = request(app, "/v1/freeze", "f")
        await asyncio.sleep(0.01)
        paying = request(app, "/v1/payments", "1")
        await asyncio.sleep(0.01)
        assert stub.running == ["/v1/freeze#f"]
        await asyncio.sleep(0.08)
        assert stub.running == ["/v1/freeze#f", "/v1/payments#1"]
        stub.release["/v1/payments#1"].set()
        stub.release["/v1/freeze#f"].set()
        await asyncio.gather(freeze, paying)
        assert app.money.in_use == 0 and app.money.paused == 0

    run(main)
