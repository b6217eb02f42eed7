"""In-process cost of the risk engine's work on a payment (state decode, every rule,
learn, state encode) on a seasoned owner: 500 payments of history, 200 payees kept.

    PYTHONPATH=src python bench/risk_latency.py

The state lives on the wallet row (ADR 0009): the payment's lock reads it and its wallet
UPDATE writes it, so the engine adds no statement to a payment but the decision row when a
rule fires (tests/payments/test_statement_count.py). Its whole cost on a payment, that row
included, is measured by bench/inprocess.py (``with_and_without_engine``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from walletguard.policy import Policy
from walletguard.risk import signals
from walletguard.risk.signals import Event, State

RULES = Policy().risk
ENV = signals.Settings(zone=ZoneInfo("Asia/Shanghai"), sim_swap_hours=240)
T0 = datetime(2026, 10, 1, tzinfo=UTC)


def payment(at: datetime, k: int) -> Event:
    return Event(at=at, type="payment", device_id="d", amount=1000 + k % 700,
                 payee=f"m{k % 250}", ip="100.64.0.1", lat=39.9, lon=116.4, country="CN")


def main() -> None:
    state = State()
    for k in range(500):
        state = signals.learn(state, payment(T0 + timedelta(hours=k), k), RULES, ENV)
    stored = state.to_json()
    samples = []
    for k in range(20_000):
        event = payment(T0 + timedelta(hours=600, minutes=k), k)
        start = time.perf_counter()
        seen = State.from_json(stored)
        decision = signals.decide(seen, event, RULES, ENV)
        signals.learn(seen, event, RULES, ENV, decision).to_json()
        samples.append(time.perf_counter() - start)
    samples.sort()
    n = len(samples)
    print(f"decide+learn, {n} payments: p50 {samples[n // 2] * 1e6:.0f} µs, "
          f"p99 {samples[n * 99 // 100] * 1e6:.0f} µs, max {samples[-1] * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
