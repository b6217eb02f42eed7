"""Each signal fires at its edge and not just below it (pure functions, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from walletguard.adapters.geo import IpRanges, SandboxGeo
from walletguard.policy import Policy
from walletguard.risk import signals
from walletguard.risk.signals import Event, State
from walletguard.runtime import RISK_SAMPLES

RULES = Policy().risk
ENV = signals.Settings(zone=ZoneInfo("Asia/Shanghai"), sim_swap_hours=240)
T0 = datetime(2026, 10, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
BEIJING, SHANGHAI = (39.90, 116.40), (31.23, 121.47)  # ≈ 1068 km apart


def fired(state: State, event: Event) -> list[str]:
    return signals.decide(state, event, RULES, ENV).fired


def learnt(*events: Event, state: State | None = None) -> State:
    state = state or State()
    for event in events:
        state = signals.learn(state, event, RULES, ENV)
    return state


def login(at: datetime = T0, device: str = "d1", fingerprint: str = "f1", **kw: object) -> Event:
    return Event(at=at, type="login", device_id=device, fingerprint=fingerprint, **kw)  # type: ignore[arg-type]


def pay(at: datetime = T0, amount: int = 10_000, payee: str = "m1", **kw: object) -> Event:
    return Event(at=at, type="payment", device_id="d1", amount=amount, payee=payee, **kw)  # type: ignore[arg-type]


def test_new_device_fires_for_an_unseen_device_only() -> None:
    state = learnt(login())
    assert "new_device" not in fired(state, login(T0 + timedelta(days=1)))
    assert "new_device" in fired(state, login(T0 + timedelta(days=1), device="d2"))


def test_fingerprint_changed_fires_on_a_known_id_with_another_fingerprint() -> None:
    state = learnt(login())
    assert "fingerprint_changed" not in fired(state, login(fingerprint="f1"))
    assert "fingerprint_changed" in fired(state, login(fingerprint="f2"))


@pytest.mark.parametrize(("minutes", "fires"), [(60, True), (71, True), (72, False), (600, False)])
def test_impossible_travel_is_above_900_kmh(minutes: int, fires: bool) -> None:
    # 1068 km: 71.2 min is exactly 900 km/h.
    state = learnt(login(lat=BEIJING[0], lon=BEIJING[1]))
    event = login(T0 + timedelta(minutes=minutes), lat=SHANGHAI[0], lon=SHANGHAI[1])
    assert ("impossible_travel" in fired(state, event)) is fires


def test_a_confirmed_trip_mutes_impossible_travel_until_it_ends() -> None:
    state = signals.mute_travel(learnt(login(lat=BEIJING[0], lon=BEIJING[1])),
                                until=T0 + timedelta(days=3))
    jump = login(T0 + timedelta(minutes=30), lat=SHANGHAI[0], lon=SHANGHAI[1])
    assert "impossible_travel" not in fired(state, jump)
    late = learnt(login(T0 + timedelta(days=4), lat=BEIJING[0], lon=BEIJING[1]), state=state)
    assert "impossible_travel" in fired(late, replace(jump, at=T0 + timedelta(days=4, minutes=30)))


def test_a_short_hop_is_never_travel() -> None:
    state = learnt(login(lat=39.90, lon=116.40))
    assert "impossible_travel" not in fired(state, login(T0 + timedelta(seconds=5),
                                                         lat=39.95, lon=116.45))


def test_ip_lists_and_geolocation_come_from_the_operator_files() -> None:
    ranges = IpRanges.from_dir(RISK_SAMPLES)
    assert ranges.kind_of("203.0.113.9") == "datacentre"
    assert ranges.kind_of("198.51.100.127") == "vpn"
    assert ranges.kind_of("198.51.100.128") == "proxy"
    assert ranges.kind_of("192.0.2.66") == "tor"
    assert ranges.kind_of("192.0.2.68") is None
    assert ranges.kind_of("2001:db8:100::1") == "vpn"
    assert ranges.kind_of("not an address") is None
    geo = SandboxGeo(RISK_SAMPLES / "sandbox-geo.json")
    assert geo.country("100.65.1.1") == "JP" and geo.country("8.8.8.8") is None
    assert "anonymizing_ip" in fired(State(), login(ip_kind="tor"))
    assert "anonymizing_ip" not in fired(State(), login(ip_kind=None))


def test_the_maxmind_reader_reads_a_country_file() -> None:
    from pathlib import Path

    from walletguard.adapters.geo import MaxMindGeo

    geo = MaxMindGeo(Path(__file__).parent / "data" / "sample-country.mmdb")
    assert geo.country("100.65.3.4") == "JP"
    assert geo.country("100.64.3.4") == "CN"
    assert geo.country("8.8.8.8") is None


def test_unusual_country_needs_history_and_a_rare_country() -> None:
    few = learnt(*[login(T0 + timedelta(hours=h), country="CN") for h in range(4)])
    assert "unusual_country" not in fired(few, login(country="JP"))
    many = learnt(login(T0 + timedelta(hours=5), country="CN"), state=few)
    assert "unusual_country" in fired(many, login(country="JP"))
    assert "unusual_country" not in fired(many, login(country="CN"))
    assert "unusual_country" not in fired(many, login(country=None))


def test_a_sim_swap_makes_devices_since_it_suspect_for_the_quiet_period() -> None:
    known = learnt(login(), Event(at=T0 + timedelta(hours=1), type="sim_swap"))
    assert "sim_swap_recent" not in fired(known, login(T0 + timedelta(hours=2)))
    assert "sim_swap_recent" in fired(known, login(T0 + timedelta(hours=2), device="d9"))
    assert "sim_swap_recent" in fired(known, login(T0 + timedelta(hours=240, minutes=59),
                                                   device="d9"))
    assert "sim_swap_recent" not in fired(known, login(T0 + timedelta(hours=241), device="d9"))


def test_a_carrier_that_does_not_know_is_a_signal_of_its_own() -> None:
    assert "carrier_unknown" in fired(State(carrier_unknown=True), login())
    assert "carrier_unknown" not in fired(State(), login())
    assert "sim_swap_recent" not in fired(State(carrier_unknown=True), login())


def test_velocity_counts_and_sums_in_the_window() -> None:
    window = timedelta(minutes=RULES.velocity_window_minutes)
    four = learnt(*[pay(T0 + timedelta(minutes=k)) for k in range(4)])
    assert "velocity" in fired(four, pay(T0 + timedelta(minutes=5)))
    assert "velocity" not in fired(four, pay(T0 + window + timedelta(minutes=1)))
    three = learnt(*[pay(T0 + timedelta(minutes=k)) for k in range(3)])
    assert "velocity" not in fired(three, pay(T0 + timedelta(minutes=4)))
    assert "velocity" in fired(State(), pay(amount=RULES.velocity_max_sum + 1))
    assert "velocity" not in fired(State(), pay(amount=RULES.velocity_max_sum))


def test_an_amount_far_above_the_owners_typical_is_an_outlier() -> None:
    history = learnt(*[pay(T0 + timedelta(hours=k), amount=10_000 + 500 * (k % 3))
                       for k in range(10)])
    assert "amount_outlier" not in fired(history, pay(amount=20_000))
    assert "amount_outlier" in fired(history, pay(amount=60_000))
    short = learnt(*[pay(T0 + timedelta(hours=k)) for k in range(RULES.amount_min_history - 1)])
    assert "amount_outlier" not in fired(short, pay(amount=1_000_000))


def test_one_huge_payment_barely_moves_the_typical_amount() -> None:
    history = learnt(*[pay(T0 + timedelta(hours=k), amount=10_000) for k in range(20)])
    after = learnt(pay(amount=5_000_000), state=history)
    assert "amount_outlier" in fired(after, pay(amount=60_000))


def test_new_payee_fires_for_money_to_someone_never_paid() -> None:
    state = learnt(pay(payee="m1"))
    assert "new_payee" not in fired(state, pay(payee="m1"))
    assert "new_payee" in fired(state, pay(payee="m2"))
    assert "new_payee" not in fired(state, login())


def test_unusual_hour_is_judged_in_the_owners_day() -> None:
    # 20 events at 12:00 Shanghai time; 03:00 local is unusual, 11:00 (a neighbour) is not.
    state = learnt(*[login(T0 + timedelta(days=d)) for d in range(20)])
    three_am = datetime(2026, 10, 1, 19, 0, tzinfo=UTC)
    assert "unusual_hour" in fired(state, login(three_am))
    assert "unusual_hour" not in fired(state, login(T0 - timedelta(hours=1)))
    young = learnt(*[login(T0 + timedelta(days=d)) for d in range(19)])
    assert "unusual_hour" not in fired(young, login(three_am))


def test_after_a_lost_report_the_old_phone_is_suspect_and_the_new_one_is_not() -> None:
    state = learnt(login(), Event(at=T0 + timedelta(hours=1), type="lost_report"),
                   login(T0 + timedelta(hours=2), device="d2"))
    assert "after_lost_report" in fired(state, pay(T0 + timedelta(hours=3)))
    assert "after_lost_report" not in fired(state, replace(pay(T0 + timedelta(hours=3)),
                                                            device_id="d2"))
    assert "after_lost_report" not in fired(
        state, pay(T0 + timedelta(hours=1, days=RULES.lost_report_days)))
    assert "after_lost_report" in fired(State(), pay(lost_report_standing=True))


def test_precedence_and_the_freeze_override() -> None:
    quiet = signals.decide(State(), login(device="d1"), RULES, ENV)
    assert quiet.outcome == "allow" and quiet.score == RULES.weights["new_device"]
    frozen = signals.decide(State(), replace(pay(), frozen=True), RULES, ENV)
    assert frozen.outcome == "deny" and frozen.overrides == ("frozen",)
    worst = signals.decide(State(sim_swap_at=T0.timestamp()),
                           login(T0 + timedelta(hours=1), device="x", ip_kind="tor",
                                 lost_report_standing=True), RULES, ENV)
    assert worst.score >= RULES.in_force.lock and worst.outcome == "lock"
    assert signals.braked(worst).outcome == "step_up"
    assert signals.braked(frozen).outcome == "deny"


@pytest.mark.parametrize(("sensitivity", "outcome"),
                         [("low", "allow"), ("medium", "step_up"), ("high", "step_up")])
def test_sensitivity_moves_the_thresholds(sensitivity: str, outcome: str) -> None:
    # new device (25) + anonymizing address (20) = 45.
    decision = signals.decide(State(), login(ip_kind="vpn"), RULES, ENV,
                              sensitivity=sensitivity)
    assert decision.outcome == outcome
