"""Each signal on both sides of its edge, to the unit the policy states it in (pure
functions, no database): just over the limit fires, the limit itself and just under do
not — or the other way round where the policy says "at least"."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from tests.risk.test_signals import ENV, RULES, T0, fired, learnt, login, pay
from walletguard.risk import signals
from walletguard.risk.signals import Event, State

BEIJING = (39.90, 116.40)
# Due east of Beijing along its parallel, 1,000 km away.
KM = 1_000.0
EAST = (BEIJING[0], BEIJING[1] + math.degrees(
    KM / (signals.EARTH_RADIUS_KM * math.cos(math.radians(BEIJING[0])))))


def test_the_test_points_are_as_far_apart_as_stated() -> None:
    assert signals.great_circle_km(*BEIJING, *EAST) == pytest.approx(KM, abs=1.0)


@pytest.mark.parametrize(("kmh", "fires"),
                         [(899.0, False), (899.9, False), (900.1, True), (901.0, True)])
def test_impossible_travel_fires_above_900_kmh_and_not_below(kmh: float, fires: bool) -> None:
    km = signals.great_circle_km(*BEIJING, *EAST)
    state = learnt(login(lat=BEIJING[0], lon=BEIJING[1]))
    event = login(T0 + timedelta(hours=km / kmh), lat=EAST[0], lon=EAST[1])
    assert ("impossible_travel" in fired(state, event)) is fires


@pytest.mark.parametrize(("km", "fires"), [(49.9, False), (50.1, True)])
def test_a_jump_shorter_than_travel_min_km_is_never_travel(km: float, fires: bool) -> None:
    assert RULES.travel_min_km == 50
    lon = BEIJING[1] + math.degrees(
        km / (signals.EARTH_RADIUS_KM * math.cos(math.radians(BEIJING[0]))))
    state = learnt(login(lat=BEIJING[0], lon=BEIJING[1]))
    # One second later: any real distance is far above 900 km/h.
    event = login(T0 + timedelta(seconds=1), lat=BEIJING[0], lon=lon)
    assert ("impossible_travel" in fired(state, event)) is fires


def test_a_confirmed_trip_mutes_travel_until_its_last_second_and_not_after() -> None:
    until = T0 + timedelta(days=2)
    state = signals.mute_travel(learnt(login(lat=BEIJING[0], lon=BEIJING[1])), until=until)
    state.last_located = [(until - timedelta(minutes=10)).timestamp(), *BEIJING]
    jump = login(until - timedelta(seconds=1), lat=EAST[0], lon=EAST[1])
    assert "impossible_travel" not in fired(state, jump)
    assert "impossible_travel" in fired(state, login(until, lat=EAST[0], lon=EAST[1]))


def test_velocity_forgets_a_payment_exactly_one_window_old() -> None:
    window = timedelta(minutes=RULES.velocity_window_minutes)
    four = learnt(*[pay(T0 + timedelta(seconds=k)) for k in range(RULES.velocity_max_count)])
    # A second before the first payment leaves the window: five in it, velocity fires.
    assert "velocity" in fired(four, pay(T0 + window - timedelta(seconds=1)))
    # At the window's length, the first is out: four, within the limit.
    assert "velocity" not in fired(four, pay(T0 + window))


def test_velocity_sums_the_window_to_the_unit() -> None:
    first = learnt(pay(amount=RULES.velocity_max_sum // 2))
    rest = RULES.velocity_max_sum - RULES.velocity_max_sum // 2
    assert "velocity" not in fired(first, pay(T0 + timedelta(minutes=1), amount=rest))
    assert "velocity" in fired(first, pay(T0 + timedelta(minutes=1), amount=rest + 1))


def test_an_outlier_is_never_below_the_floor_however_unusual() -> None:
    tiny = learnt(*[pay(T0 + timedelta(hours=k), amount=100) for k in range(10)])
    floor = RULES.amount_outlier_floor
    assert "amount_outlier" not in fired(tiny, pay(amount=floor - 1))
    assert "amount_outlier" in fired(tiny, pay(amount=floor))


def test_an_outlier_needs_amount_min_history_payments() -> None:
    n = RULES.amount_min_history
    short = learnt(*[pay(T0 + timedelta(hours=k), amount=10_000) for k in range(n - 1)])
    enough = learnt(pay(T0 + timedelta(hours=n), amount=10_000), state=short)
    assert "amount_outlier" not in fired(short, pay(amount=1_000_000))
    assert "amount_outlier" in fired(enough, pay(amount=1_000_000))


def test_an_outlier_is_at_least_the_minimum_ratio_above_a_steady_owners_typical() -> None:
    # An owner who always pays the same: the spread's floor makes the minimum ratio the
    # edge (3× by default).
    steady = learnt(*[pay(T0 + timedelta(hours=k), amount=10_000) for k in range(30)])
    ratio = RULES.amount_outlier_min_ratio
    assert "amount_outlier" not in fired(steady, pay(amount=int(10_000 * ratio * 0.99)))
    assert "amount_outlier" in fired(steady, pay(amount=int(10_000 * ratio * 1.01)))


def test_unusual_country_is_below_its_share_and_not_at_it() -> None:
    assert RULES.unusual_country_share == 0.05
    at_share = learnt(*[login(T0 + timedelta(hours=h), country="CN") for h in range(19)],
                      login(T0 + timedelta(hours=20), country="JP"))  # JP: 1 of 20 = 5 %
    assert "unusual_country" not in fired(at_share, login(country="JP"))
    below = learnt(login(T0 + timedelta(hours=21), country="CN"), state=at_share)  # 1 of 21
    assert "unusual_country" in fired(below, login(country="JP"))


def test_unusual_hour_needs_its_history_and_is_below_its_share() -> None:
    # 99 events at noon, one at 03:00 local: 03:00 with its neighbours is 1 % < 2 %.
    noon = [login(T0 + timedelta(days=d)) for d in range(99)]
    three_am = T0 + timedelta(hours=15)  # 19:00 UTC = 03:00 in Shanghai
    one = learnt(*noon, login(three_am - timedelta(days=200)))
    assert "unusual_hour" in fired(one, login(three_am))
    # Two at 03:00 of 100 events: 2 %, not below the share.
    two = learnt(*noon[:98], login(three_am - timedelta(days=200)),
                 login(three_am - timedelta(days=201)))
    assert sum(two.hours) == 100
    assert "unusual_hour" not in fired(two, login(three_am))


def test_device_signals_are_judged_on_the_events_that_present_a_device() -> None:
    state = learnt(login())
    for kind in ("login", "device_bind", "recovery_step"):
        assert "new_device" in fired(state, Event(at=T0, type=kind, device_id="d9"))
        assert "fingerprint_changed" in fired(
            state, Event(at=T0, type=kind, device_id="d1", fingerprint="f2"))
    # A payment rides on its session's device: it presents no identity of its own.
    assert "new_device" not in fired(state, Event(at=T0, type="payment", device_id="d9",
                                                  amount=100, payee="m1"))
    # No fingerprint sent, or a device never seen: nothing to compare.
    assert "fingerprint_changed" not in fired(state, login(fingerprint=None))  # type: ignore[arg-type]
    assert "fingerprint_changed" not in fired(state, login(device="d9", fingerprint="f2"))


def test_a_sim_swap_is_recent_for_exactly_the_quiet_period() -> None:
    swapped = learnt(Event(at=T0, type="sim_swap"))
    quiet = timedelta(hours=ENV.sim_swap_hours)
    assert "sim_swap_recent" in fired(swapped, login(T0 + quiet - timedelta(seconds=1),
                                                     device="d9"))
    assert "sim_swap_recent" not in fired(swapped, login(T0 + quiet, device="d9"))
    # A report dated after the event it would judge (a carrier's clock ahead) is not.
    assert "sim_swap_recent" not in fired(swapped, login(T0 - timedelta(seconds=1),
                                                         device="d9"))


def test_a_recovery_after_a_sim_change_asks_for_more_evidence_instead_of_a_refusal() -> None:
    """The owner's own recovery after a lost phone: the carrier's replacement SIM and a
    phone never seen (50 + 25 = 75, a deny by score) ask for more evidence; the same
    with anything else in the sum, or the same signals on another event, still refuse."""
    swapped = learnt(login(), Event(at=T0, type="sim_swap"))
    later = T0 + timedelta(hours=2)

    def decided(kind: str, **kw: object) -> signals.Decision:
        event = Event(at=later, type=kind, device_id="d9", fingerprint="f9", **kw)  # type: ignore[arg-type]
        return signals.decide(swapped, event, RULES, ENV)

    recovery = decided("recovery_step")
    assert (recovery.outcome, recovery.overrides) == ("step_up", ("more_evidence",))
    assert set(recovery.fired) == {"sim_swap_recent", "new_device"} and recovery.score == 75
    assert decided("recovery_step", ip_kind="tor").outcome == "deny"
    assert decided("device_bind").outcome == "deny"
    assert decided("login").outcome == "deny"
    # A phone never seen alone, weighed to a deny, is the score's: no SIM change in it.
    heavy = RULES.model_copy(update={"weights": {**RULES.weights, "new_device": 75.0}})
    unseen = signals.decide(learnt(login()), Event(at=later, type="recovery_step",
                                                   device_id="d9"), heavy, ENV)
    assert (unseen.outcome, unseen.overrides) == ("deny", ())


def test_the_sms_code_is_void_for_exactly_its_periods() -> None:
    swapped = State(sim_swap_at=T0.timestamp())
    quiet = timedelta(hours=ENV.sim_swap_hours)
    assert signals.sms_void_reason(swapped, now=T0 + quiet - timedelta(seconds=1),
                                   policy=RULES, env=ENV) is not None
    assert signals.sms_void_reason(swapped, now=T0 + quiet, policy=RULES, env=ENV) is None
    travelled = State(travel_alarm_at=T0.timestamp())
    after = timedelta(hours=RULES.sms_void_after_travel_hours)
    assert signals.sms_void_reason(travelled, now=T0 + after - timedelta(seconds=1),
                                   policy=RULES, env=ENV) is not None
    assert signals.sms_void_reason(travelled, now=T0 + after, policy=RULES, env=ENV) is None


@pytest.mark.parametrize(("score", "outcome"), [
    (39.0, "allow"), (40.0, "step_up"), (69.0, "step_up"), (70.0, "deny"), (99.0, "deny"),
    (100.0, "lock")])
def test_each_threshold_is_reached_at_its_score(score: float, outcome: str) -> None:
    # new_device alone, weighed to the score: thresholds are "at least".
    rules = RULES.model_copy(update={"weights": {"new_device": score}})
    assert signals.decide(State(), login(), rules, ENV).outcome == outcome
