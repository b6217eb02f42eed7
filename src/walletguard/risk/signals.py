"""Risk signals: small pure functions over an event and the owner's state as it was
before the event. Nothing here reads the database or the clock: the live engine
(``risk.service``), shadow mode and ``walletguard risk replay`` call the same
``decide`` and ``learn``, so the three give the same decision for the same event.

The state is kept incrementally — each event folds into it in constant time and space
(bounded lists, a streaming median, a 24-bin hour histogram) — so no signal ever scans
history, on the hot path or in a replay.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from walletguard.policy import RiskPolicy

EventType = Literal["login", "payment", "transfer", "pin_change", "device_bind",
                    "recovery_step", "sim_swap", "lost_report"]
EVENT_TYPES: tuple[str, ...] = ("login", "payment", "transfer", "pin_change", "device_bind",
                                "recovery_step", "sim_swap", "lost_report")
# Reports about the owner, not actions by whoever holds the account: they change the
# state and are never judged.
SIGNAL_EVENTS = ("sim_swap", "lost_report")
MONEY_EVENTS = ("payment", "transfer")
# Events that present a device identity of their own (a payment rides on a session that
# already presented its device at login).
DEVICE_EVENTS = ("login", "device_bind", "recovery_step")
Outcome = Literal["allow", "step_up", "deny", "lock"]
PRECEDENCE: dict[str, int] = {"allow": 0, "step_up": 1, "deny": 2, "lock": 3}
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Event:
    """One thing that happened, with what was known at its time. ``country`` and
    ``ip_kind`` come from the offline geolocation and IP lists; ``frozen`` from the
    restrictions in force."""

    at: datetime
    type: str
    device_id: str | None = None
    fingerprint: str | None = None
    ip: str | None = None
    lat: float | None = None
    lon: float | None = None
    amount: int | None = None
    payee: str | None = None
    country: str | None = None
    ip_kind: str | None = None
    frozen: bool = False
    lost_report_standing: bool = False


@dataclass
class State:
    """What the engine remembers of one owner; JSON as stored (``wallets.risk_state``)."""

    events: int = 0
    devices: dict[str, str] = field(default_factory=dict)
    devices_since: dict[str, float] = field(default_factory=dict)  # first seen, epoch
    last_located: list[float] | None = None  # [epoch seconds, lat, lon]
    countries: dict[str, int] = field(default_factory=dict)
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    amount_n: int = 0
    amount_median: float = 0.0  # of ln(amount)
    amount_spread: float = 0.0  # median absolute deviation of ln(amount), streaming
    recent: list[list[float]] = field(default_factory=list)  # [[epoch, amount], …]
    payees: list[str] = field(default_factory=list)
    sim_swap_at: float | None = None
    carrier_unknown: bool = False
    lost_report_at: float | None = None
    trip_until: float | None = None
    travel_alarm_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        # Hand-written, not dataclasses.asdict: this runs on every payment, and asdict's
        # recursive deep copy costs ten times as much.
        return {"events": self.events, "devices": dict(self.devices),
                "devices_since": dict(self.devices_since),
                "last_located": list(self.last_located) if self.last_located else None,
                "countries": dict(self.countries), "hours": list(self.hours),
                "amount_n": self.amount_n, "amount_median": self.amount_median,
                "amount_spread": self.amount_spread,
                "recent": [list(r) for r in self.recent], "payees": list(self.payees),
                "sim_swap_at": self.sim_swap_at, "carrier_unknown": self.carrier_unknown,
                "lost_report_at": self.lost_report_at, "trip_until": self.trip_until,
                "travel_alarm_at": self.travel_alarm_at}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> State:
        if not data:
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Settings:
    """What the rules need besides the risk policy: the local day (unusual hour) and the
    SIM-change quiet period the device-trust rules already define."""

    zone: ZoneInfo
    sim_swap_hours: float


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    fired: bool
    weight: float
    reason: str


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    score: float
    rules: tuple[RuleOutcome, ...]
    overrides: tuple[str, ...] = ()
    braked: bool = False

    @property
    def fired(self) -> list[str]:
        return [r.rule for r in self.rules if r.fired]

    @property
    def interrupts(self) -> bool:
        return self.outcome != "allow"

    def trace(self) -> list[dict[str, Any]]:
        # Hand-written, not dataclasses.asdict: a stored decision costs this on the money
        # path, and asdict's recursive copy was most of the engine's time there.
        return [{"rule": r.rule, "fired": r.fired, "weight": r.weight, "reason": r.reason}
                for r in self.rules]


Rule = Callable[[State, Event, RiskPolicy, Settings], str | None]


def _epoch(at: datetime) -> float:
    return at.astimezone(UTC).timestamp()


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


# ---- the rules -------------------------------------------------------------------------


def new_device(state: State, event: Event, policy: RiskPolicy, env: Settings) -> str | None:
    if event.type not in DEVICE_EVENTS or event.device_id is None:
        return None
    if event.device_id in state.devices:
        return None
    return f"device {event.device_id!r} never seen for this owner"


def fingerprint_changed(state: State, event: Event, policy: RiskPolicy,
                        env: Settings) -> str | None:
    if event.type not in DEVICE_EVENTS or event.device_id is None:
        return None
    known = state.devices.get(event.device_id)
    if known is None or event.fingerprint is None or known == event.fingerprint:
        return None
    return f"device {event.device_id!r} presents another fingerprint"


def impossible_travel(state: State, event: Event, policy: RiskPolicy,
                      env: Settings) -> str | None:
    if event.lat is None or event.lon is None or state.last_located is None:
        return None
    then, lat, lon = state.last_located
    now = _epoch(event.at)
    if state.trip_until is not None and now < state.trip_until:
        return None
    km = great_circle_km(lat, lon, event.lat, event.lon)
    if km < policy.travel_min_km:
        return None
    hours = max(now - then, 1.0) / 3600
    speed = km / hours
    if speed <= policy.impossible_travel_kmh:
        return None
    return (f"{km:.0f} km from the last located event in {hours * 60:.0f} min "
            f"({speed:.0f} km/h > {policy.impossible_travel_kmh:.0f})")


def anonymizing_ip(state: State, event: Event, policy: RiskPolicy,
                   env: Settings) -> str | None:
    if event.type in SIGNAL_EVENTS or event.ip_kind is None:
        return None
    return f"address {event.ip} is on the {event.ip_kind} list"


def unusual_country(state: State, event: Event, policy: RiskPolicy,
                    env: Settings) -> str | None:
    if event.country is None:
        return None
    total = sum(state.countries.values())
    if total < policy.unusual_country_min_events:
        return None
    share = state.countries.get(event.country, 0) / total
    if share >= policy.unusual_country_share:
        return None
    return f"country {event.country} is {share:.0%} of this owner's {total} located events"


def _known_before(state: State, device_id: str | None, moment: float) -> bool | None:
    """Whether the device was known before ``moment`` (None: the event names no device)."""
    if device_id is None:
        return None
    since = state.devices_since.get(device_id)
    return since is not None and since < moment


def sim_swap_recent(state: State, event: Event, policy: RiskPolicy,
                    env: Settings) -> str | None:
    """A SIM change makes every device that appeared since suspect (the SMS code that let
    it in may have gone to the attacker); the owner's phone known from before is not."""
    if state.sim_swap_at is None:
        return None
    ago = _epoch(event.at) - state.sim_swap_at
    if not 0 <= ago < env.sim_swap_hours * 3600:
        return None
    if _known_before(state, event.device_id, state.sim_swap_at):
        return None
    return f"the carrier reported a SIM change {ago / 3600:.1f} h ago"


def carrier_unknown(state: State, event: Event, policy: RiskPolicy,
                    env: Settings) -> str | None:
    # "Unknown" is never read as "no swap": it weighs something of its own.
    return "the carrier could not say whether the SIM changed" if state.carrier_unknown else None


def velocity(state: State, event: Event, policy: RiskPolicy, env: Settings) -> str | None:
    if event.type not in MONEY_EVENTS or event.amount is None:
        return None
    since = _epoch(event.at) - policy.velocity_window_minutes * 60
    window = [(t, a) for t, a in state.recent if t > since]
    count, total = len(window) + 1, sum(a for _t, a in window) + event.amount
    if count <= policy.velocity_max_count and total <= policy.velocity_max_sum:
        return None
    return (f"{count} payments totalling {total} in {policy.velocity_window_minutes} min "
            f"(limits {policy.velocity_max_count} / {policy.velocity_max_sum})")


def amount_outlier(state: State, event: Event, policy: RiskPolicy,
                   env: Settings) -> str | None:
    if event.type not in MONEY_EVENTS or event.amount is None:
        return None
    if state.amount_n < policy.amount_min_history or event.amount < policy.amount_outlier_floor:
        return None
    typical = math.exp(state.amount_median)
    # A floor on the spread: an owner who always pays the same amount is not alarmed by
    # the first amount 10 % higher.
    spread = max(state.amount_spread, math.log(policy.amount_outlier_min_ratio)
                 / policy.amount_outlier_spread)
    limit = state.amount_median + policy.amount_outlier_spread * spread
    if math.log(event.amount) <= limit:
        return None
    return (f"amount {event.amount} is {event.amount / typical:.1f}× this owner's typical "
            f"{typical:.0f}")


def new_payee(state: State, event: Event, policy: RiskPolicy, env: Settings) -> str | None:
    if event.type not in MONEY_EVENTS or event.payee is None or event.payee in state.payees:
        return None
    return "a payee this owner never paid"


def unusual_hour(state: State, event: Event, policy: RiskPolicy, env: Settings) -> str | None:
    if event.type in SIGNAL_EVENTS:
        return None
    total = sum(state.hours)
    if total < policy.unusual_hour_min_events:
        return None
    hour = event.at.astimezone(env.zone).hour
    near = sum(state.hours[(hour + d) % 24] for d in (-1, 0, 1))
    if near / total >= policy.unusual_hour_share:
        return None
    return f"{hour:02d}:00 local is an hour this owner is almost never active"


def after_lost_report(state: State, event: Event, policy: RiskPolicy,
                      env: Settings) -> str | None:
    if event.lost_report_standing:
        return "a lost-phone report stands"
    if state.lost_report_at is None:
        return None
    ago = _epoch(event.at) - state.lost_report_at
    if not 0 <= ago < policy.lost_report_days * 86400:
        return None
    # The owner's replacement phone (first seen after the report) is not the lost one.
    if _known_before(state, event.device_id, state.lost_report_at) is False:
        return None
    return f"the phone was reported lost {ago / 86400:.1f} days ago"


RULES: dict[str, Rule] = {
    "new_device": new_device,
    "fingerprint_changed": fingerprint_changed,
    "impossible_travel": impossible_travel,
    "anonymizing_ip": anonymizing_ip,
    "unusual_country": unusual_country,
    "sim_swap_recent": sim_swap_recent,
    "carrier_unknown": carrier_unknown,
    "velocity": velocity,
    "amount_outlier": amount_outlier,
    "new_payee": new_payee,
    "unusual_hour": unusual_hour,
    "after_lost_report": after_lost_report,
}

# What an owner reads (zh-CN, English): plain words, no numbers an attacker could tune to.
OWNER_WORDS: dict[str, tuple[str, str]] = {
    "new_device": ("新设备登录", "a device this account has not used before"),
    "fingerprint_changed": ("设备信息发生变化", "this device looks different from before"),
    "impossible_travel": ("短时间内异地操作", "activity from places too far apart to travel"),
    "anonymizing_ip": ("网络来自代理或机房", "a connection through a VPN, proxy or data centre"),
    "unusual_country": ("不常用的国家或地区", "a country this account rarely uses"),
    "sim_swap_recent": ("手机号近期换过卡", "the SIM card of your phone number changed recently"),
    "carrier_unknown": ("无法确认手机卡状态", "your carrier could not confirm your SIM card"),
    "velocity": ("短时间内多笔支付", "many payments in a short time"),
    "amount_outlier": ("金额远高于平时", "an amount far above what you usually pay"),
    "new_payee": ("首次向该收款方付款", "a payee you have not paid before"),
    "unusual_hour": ("不常用的时间段", "an hour you are rarely active"),
    "after_lost_report": ("手机已挂失", "your phone was reported lost"),
    "frozen": ("钱包已冻结", "your wallet is frozen"),
}


def owner_reasons(fired: list[str]) -> list[dict[str, str]]:
    return [{"rule": r, "zh": OWNER_WORDS[r][0], "en": OWNER_WORDS[r][1]} for r in fired
            if r in OWNER_WORDS]


# DOMAIN.md: a recovery that follows a SIM change needs more evidence, not less — and not
# a refusal: a SIM change and a phone never seen are also what the owner's own recovery
# after a lost phone looks like (the carrier's replacement SIM, the replacement phone).
# A recovery step that the score would refuse on those signals alone, a SIM change among
# them, asks for more evidence instead (a step-up: the recovery rules raise the case's
# bar, and count an SMS code for nothing after the change); any other signal in the sum
# still refuses.
SIM_CHANGE_RULES = frozenset({"sim_swap_recent", "carrier_unknown"})
RECOVERY_EVIDENCE_RULES = SIM_CHANGE_RULES | {"new_device"}


def decide(state: State, event: Event, policy: RiskPolicy, env: Settings, *,
           sensitivity: str | None = None) -> Decision:
    """Every rule's outcome, the score, and the decision (lock > deny > step_up > allow).
    A standing freeze denies whatever the score; a recovery step after a SIM change asks
    for more evidence where the score alone would refuse it (``RECOVERY_EVIDENCE_RULES``)."""
    outcomes = []
    score = 0.0
    for name, rule in RULES.items():
        weight = policy.weights.get(name, 0.0)
        reason = rule(state, event, policy, env) if weight > 0 else None
        outcomes.append(RuleOutcome(rule=name, fired=reason is not None, weight=weight,
                                    reason=reason or ""))
        if reason is not None:
            score += weight
    limits = policy.thresholds[sensitivity or policy.sensitivity]
    outcome: Outcome = "allow"
    if score >= limits.lock:
        outcome = "lock"
    elif score >= limits.deny:
        outcome = "deny"
    elif score >= limits.step_up:
        outcome = "step_up"
    overrides: tuple[str, ...] = ()
    fired = {o.rule for o in outcomes if o.fired}
    if (event.type == "recovery_step" and PRECEDENCE[outcome] > PRECEDENCE["step_up"]
            and fired & SIM_CHANGE_RULES and fired <= RECOVERY_EVIDENCE_RULES):
        outcome, overrides = "step_up", ("more_evidence",)
    if event.frozen and PRECEDENCE[outcome] < PRECEDENCE["deny"]:
        outcome, overrides = "deny", ("frozen",)
    return Decision(outcome=outcome, score=score, rules=tuple(outcomes), overrides=overrides)


def braked(decision: Decision) -> Decision:
    """The brake: a score-made deny or lock falls back to step-up, never to allow. A hard
    override (a standing freeze) is not the score's and stays."""
    if decision.overrides or PRECEDENCE[decision.outcome] <= PRECEDENCE["step_up"]:
        return decision
    return replace(decision, outcome="step_up", braked=True)


def learned(decision: Decision, event_type: str) -> bool:
    """Whether the event's work commits, so the state may learn from it: an allowed event,
    or a login that a step-up lets in as an untrusted session. A refused event's work is
    rolled back (``walletguard.db.judged``) and the state with it."""
    return decision.outcome == "allow" or (decision.outcome == "step_up"
                                           and event_type == "login")


def learn(state: State, event: Event, policy: RiskPolicy, env: Settings,
          decision: Decision | None = None) -> State:
    """The state after ``event`` (a copy; ``state`` is not changed)."""
    s = State.from_json(state.to_json())
    now = _epoch(event.at)
    if event.type == "sim_swap":
        s.sim_swap_at, s.carrier_unknown = now, False
        return s
    if event.type == "lost_report":
        s.lost_report_at = now
        return s
    s.events += 1
    s.hours[event.at.astimezone(env.zone).hour] += 1
    if event.device_id is not None:
        s.devices_since.setdefault(event.device_id, now)
        while len(s.devices_since) > 2 * policy.known_devices_kept:
            s.devices_since.pop(next(iter(s.devices_since)))
    if event.device_id is not None and event.type in DEVICE_EVENTS:
        s.devices.pop(event.device_id, None)
        s.devices[event.device_id] = event.fingerprint or ""
        while len(s.devices) > policy.known_devices_kept:
            s.devices_since.pop(next(iter(s.devices)), None)
            s.devices.pop(next(iter(s.devices)))
    if event.lat is not None and event.lon is not None:
        s.last_located = [now, event.lat, event.lon]
    if event.country is not None:
        s.countries[event.country] = s.countries.get(event.country, 0) + 1
        if len(s.countries) > policy.countries_kept:
            s.countries.pop(min(s.countries, key=lambda c: s.countries[c]))
    if decision is not None and "impossible_travel" in decision.fired:
        s.travel_alarm_at = now
    if event.type in MONEY_EVENTS and event.amount is not None:
        _learn_amount(s, event.amount, policy)
        since = now - policy.velocity_window_minutes * 60
        s.recent = [[t, a] for t, a in s.recent if t > since][-policy.velocity_max_count:]
        s.recent.append([now, float(event.amount)])
        if event.payee is not None:
            if event.payee in s.payees:
                s.payees.remove(event.payee)
            s.payees.append(event.payee)
            del s.payees[:-policy.known_payees_kept]
    return s


def _learn_amount(s: State, amount: int, policy: RiskPolicy) -> None:
    """Streaming median and median absolute deviation of ln(amount): each step moves the
    estimate a fraction of the way, so one huge payment shifts it by at most that step
    (robust, unlike a running mean)."""
    x = math.log(max(amount, 1))
    if s.amount_n == 0:
        s.amount_median, s.amount_spread = x, 0.0
    else:
        rate = max(policy.amount_learning_rate, 1 / (s.amount_n + 1))
        deviation = abs(x - s.amount_median)
        s.amount_median += rate * max(-1.0, min(1.0, x - s.amount_median))
        s.amount_spread += rate * max(-1.0, min(1.0, deviation - s.amount_spread))
    s.amount_n += 1


def sms_void_reason(state: State, *, now: datetime, policy: RiskPolicy,
                    env: Settings) -> str | None:
    """Why a code sent by SMS cannot count now, from the risk state: a SIM change the
    carrier reported, impossible travel, a lost-phone report."""
    at = _epoch(now)
    if state.sim_swap_at is not None and 0 <= at - state.sim_swap_at < env.sim_swap_hours * 3600:
        return "the carrier reported a SIM change of the account phone recently"
    if state.travel_alarm_at is not None and (
            0 <= at - state.travel_alarm_at < policy.sms_void_after_travel_hours * 3600):
        return "the account was used from places too far apart to travel between"
    if state.lost_report_at is not None and (
            0 <= at - state.lost_report_at < policy.lost_report_days * 86400):
        return "the phone was reported lost"
    return None


def mute_travel(state: State, *, until: datetime) -> State:
    s = State.from_json(state.to_json())
    s.trip_until = _epoch(until)
    return s
