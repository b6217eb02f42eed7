"""The routers are included money lane first (``app.ROUTERS``): routes are tried in order,
and every route passed costs CPU on each request. That order may only ever cost time, never
change which route answers: no path one router serves is matched by another's routes."""

from __future__ import annotations

import itertools
import re

from fastapi.routing import APIRoute

from walletguard.app import ROUTERS
from walletguard.payments.api import router as payments_router


def _routes(router: object) -> list[APIRoute]:
    return [r for r in getattr(router, "routes", []) if isinstance(r, APIRoute)]


def _a_path(route: APIRoute) -> str:
    return re.sub(r"\{[^}]+\}", "x_1", route.path)


def test_the_payment_route_is_tried_first() -> None:
    assert ROUTERS[0] is payments_router
    assert ("/v1/payments", "POST") in {
        (r.path, m) for r in _routes(ROUTERS[0]) for m in r.methods or ()}


def test_no_path_of_one_router_is_matched_by_a_route_of_another() -> None:
    overlaps = [
        (route.path, other.path)
        for first, second in itertools.permutations(ROUTERS, 2)
        for route in _routes(first) for other in _routes(second)
        if other.path_regex.match(_a_path(route))
    ]
    assert sum(len(_routes(r)) for r in ROUTERS) > 50
    assert overlaps == []
