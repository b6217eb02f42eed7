"""Business metrics from a real ``walletguard serve --workers 2``: each request goes on
a new connection, so the workers share the traffic and the scrape must add them up."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from tests import races
from tests.observability import traffic
from walletguard.runtime import Platform


def _instances(log_file: Path, request_ids: list[str]) -> set[str]:
    """Which worker answered each request, from the server's log (written just after
    the answer, so waited for)."""
    deadline = time.monotonic() + 10
    while True:
        found = {}
        for line in log_file.read_text().splitlines():
            if line.startswith("{"):
                parsed = json.loads(line)
                if parsed.get("event") == "request" and parsed["request_id"] in request_ids:
                    found[parsed["request_id"]] = parsed["instance"]
        if len(found) == len(request_ids) or time.monotonic() > deadline:
            return set(found.values())
        time.sleep(0.1)


def test_business_metrics_add_up_over_workers(
    server: str, platform: Platform, data_dir: Path
) -> None:
    before = traffic.scrape(server)
    with races.clients_on_both_workers(server, 2) as spread:
        sent = traffic.run(server, platform, spread=spread)
    after = traffic.scrape(server)

    for (method, outcome), count in sent.payments.items():
        assert traffic.delta(before, after, "walletguard_payments_total", operation="payment",
                             method=method, outcome=outcome) == count, (method, outcome)
    assert sent.payments[("pin", "succeeded")] == 3
    assert sent.payments[("unknown", "invalid_input")] == 1  # an unknown method: no new label
    for code, count in sent.refusals.items():
        assert traffic.delta(before, after, "walletguard_refusals_total", code=code,
                             route="/v1/payments") == count, code
    payments = sum(sent.payments.values())
    assert sum(traffic.delta(before, after, "walletguard_money_path_seconds_count",
                             operation="payment", result=result)
               for result in ("succeeded", "refused", "error")) == payments
    assert traffic.delta(before, after, "walletguard_freezes_total", source="owner") == 1
    assert traffic.delta(before, after, "walletguard_freezes_total", source="lost_phone") == 1
    assert traffic.delta(before, after, "walletguard_locks_total", source="pin") == 1
    assert traffic.delta(before, after, "walletguard_freeze_seconds_count",
                         route="/v1/freeze", result="succeeded") == 1
    assert traffic.delta(before, after, "walletguard_business_events_total",
                         action="payment.declined", outcome="refused") == sum(
        count for code, count in sent.refusals.items() if code != "invalid_input")

    port = re.search(r":(\d+)$", server)
    assert port is not None
    served_by = _instances(data_dir / f"server-{port.group(1)}.log", sent.request_ids)
    assert len(served_by) == 2, f"one worker took every payment: {served_by}"
