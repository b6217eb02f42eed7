"""Prometheus metrics: HTTP traffic, and the business events an operator watches.

Every label value comes from a closed set (route templates, method names, error codes,
restriction sources); anything else is counted as ``other``, so a client cannot grow
the series count by sending new strings.

Across uvicorn workers the values live in files under ``PROMETHEUS_MULTIPROC_DIR``
(``serve`` points it at ``<data_dir>/metrics/serve-<pid>``) and ``/metrics`` sums them,
so any worker answers for all.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

_SECONDS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)

REQUESTS = Counter("walletguard_http_requests_total", "HTTP requests",
                   ["method", "route", "status"])
LATENCY = Histogram("walletguard_http_request_seconds", "HTTP request latency",
                    ["method", "route"], buckets=_SECONDS)
PAYMENTS = Counter(
    "walletguard_payments_total",
    "Payments and transfers answered, by how the payer authenticated and the outcome "
    "(succeeded, or the refusal's code)", ["operation", "method", "outcome"])
MONEY_PATH = Histogram(
    "walletguard_money_path_seconds",
    "Latency of payment and transfer requests, commit included", ["operation", "result"],
    buckets=_SECONDS)
REFUSALS = Counter("walletguard_refusals_total",
                   "Requests answered with a problem document, by its code and the route",
                   ["code", "route"])
FREEZES = Counter("walletguard_freezes_total", "Freezes placed, by who or what placed them",
                  ["source"])
LOCKS = Counter("walletguard_locks_total",
                "Locks placed by the system: source pin (wrong PINs) or a risk source "
                "(declines: repeated declined payments)", ["source"])
SHED = Counter("walletguard_money_path_shed_total",
               "Payments and transfers answered 503 unavailable by admission control "
               "(no money-path slot came free in time; nothing was done)")
FREEZE_LATENCY = Histogram(
    "walletguard_freeze_seconds",
    "Latency of the requests that freeze a wallet, commit included", ["route", "result"],
    buckets=_SECONDS)
EVENTS = Counter("walletguard_business_events_total",
                 "Business events committed to the audit log, by action and outcome",
                 ["action", "outcome"])

# The money path and the freeze, as the edge sees them: (method, route template).
MONEY_ROUTES = {("POST", "/v1/payments"): "payment", ("POST", "/v1/transfers"): "transfer"}
FREEZE_ROUTES = frozenset({
    ("POST", "/v1/freeze"), ("POST", "/v1/admin/users/{user_id}/restrictions"),
    ("POST", "/v1/lost-phone-reports"), ("POST", "/v1/trusted-contacts/lost-phone-reports"),
    ("POST", "/v1/incidents"), ("POST", "/v1/admin/users/{user_id}/incidents"),
    # the same, from the web pages: the friend's browser's report, the owner's and an
    # agent's freeze
    ("POST", "/security/report"), ("POST", "/security/freeze"),
    ("POST", "/staff/users/{user_id}/restrictions"),
})
_WORD = re.compile(r"[a-z][a-z0-9_.]{0,47}")


def label(value: object) -> str:
    """``value`` as a label when it looks like one of ours (a code, a source), else
    ``other``."""
    return value if isinstance(value, str) and _WORD.fullmatch(value) else "other"


def result(status: int) -> str:
    return "succeeded" if status < 400 else "refused" if status < 500 else "error"


def observe_request(*, method: str, route: str, status: int, seconds: float,
                    code: str | None, auth_method: str | None) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)
    if code is not None:
        REFUSALS.labels(label(code), route).inc()
    operation = MONEY_ROUTES.get((method, route))
    if operation is not None:
        # The caller passes only a known method (the edge checks it against the
        # vocabulary), so request bodies cannot mint label values.
        method_label = auth_method or "unknown"
        outcome = "succeeded" if status < 400 else label(code) if code else "error"
        PAYMENTS.labels(operation, method_label, outcome).inc()
        MONEY_PATH.labels(operation, result(status)).observe(seconds)
    if (method, route) in FREEZE_ROUTES:
        FREEZE_LATENCY.labels(route, result(status)).observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The scrape body and its content type, summed over workers when there are several."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def multiprocess_dir(data_dir: Path) -> Path:
    """A fresh directory for one ``serve``'s workers, ``<data_dir>/metrics/serve-<pid>``.

    One per serving process, because two servers on one data dir (a test run, a blue and
    a green deployment) must not add up each other's counters; the directories of servers
    that are gone are removed here, so a restart starts from zero as Prometheus expects
    of a restarted target."""
    root = data_dir / "metrics"
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("serve-*"):
        pid = old.name.removeprefix("serve-")
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    mine = root / f"serve-{os.getpid()}"
    shutil.rmtree(mine, ignore_errors=True)
    mine.mkdir()
    return mine


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
