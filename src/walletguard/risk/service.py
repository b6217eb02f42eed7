"""The risk engine where it acts: an event is judged against the owner's state, the state
folds the event in, and the decision is enforced inside the caller's judged part, after
the restrictions guard and under the wallet lock the use case holds. The state is on that
wallet row (ADR 0009), read with the lock and written with the wallet's own UPDATE:

    allow    → the use case goes on (a decision some rule fired on is stored; a clean one
               is counted on the wallet row: its trace is "every rule passed")
    step_up  → ``step_up_required`` with the reasons (payments: with a challenge)
    deny     → ``risk_denied`` with the reasons
    lock     → a risk lock through ``restrictions.place_lock``, then ``risk_denied``

A refusal rolls the state update back with the rest of the judged work; what it keeps
(``DomainError.keeping``) is the decision row, the alerts and the lock.

Shadow mode: a candidate policy (``risk_policy_changes`` in status ``shadow``) is judged
on the same state as the live one, and its outcome is stored beside the live one. A
candidate goes live only when a second staff member approves it (``approve_change``).
The brake (``Brake``) judges the live policy's raw deny rate of every worker together.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from walletguard.adapters.geo import GeoLocator, IpRanges, NoGeo
from walletguard.audit import service as audit
from walletguard.auth import throttle
from walletguard.auth.principal import Principal, Role
from walletguard.crypto import Keyring
from walletguard.db import Database, Inserts, judged, new_id, table_of
from walletguard.devices.models import Device, DeviceChallenge
from walletguard.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RiskDenied,
    StepUpRequired,
)
from walletguard.identity import service as identity
from walletguard.ledger import service as ledger
from walletguard.ledger.models import Wallet
from walletguard.ledger.service import LockedWallet
from walletguard.notifications import service as notifications
from walletguard.policy import Policy, RiskPolicy
from walletguard.restrictions import service as restrictions
from walletguard.risk import signals
from walletguard.risk.models import (
    RiskBrakeCount,
    RiskDecision,
    RiskPolicyChange,
    RiskStepUp,
)
from walletguard.risk.signals import Decision, Event, State

logger = logging.getLogger(__name__)
SYSTEM = Principal(role=Role.SYSTEM, id="risk-engine")
RISK_LOCK_SOURCE = "risk"
Keep = Callable[[Session], object]


class Brake:
    """The live policy's raw deny rate over a sliding window, of every worker together.
    Above the ceiling, deny and lock fall back to step-up (``signals.braked``) until the
    rate drops.

    This worker's own decisions are counted exactly, in memory, as they are made. Once
    ``share``d (``walletguard serve`` does), a background thread writes this worker's
    counts per time slice to ``risk_brake_counts`` (its own rows only, absolute values,
    so a lost write is repaired by the next) and reads the other workers' every
    ``brake_sync_seconds``: the request path adds no statement and no scan, and the
    other workers' share is at most that stale. Without a database (tests, replay) the
    brake is this process's alone."""

    def __init__(self) -> None:
        self._seen: deque[tuple[float, bool]] = deque()
        self._guard = threading.Lock()
        self.tripped_at: float | None = None
        self._database: Database | None = None
        self._worker = ""
        self._pid = 0
        self._rules: RiskPolicy | None = None
        self._latest = 0.0
        self._slices: dict[int, list[int]] = {}  # this worker's [events, denied] per slice
        self._dirty: set[int] = set()
        self._others = (0, 0)  # the other workers' (events, denied) in the window
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def share(self, database: Database) -> None:
        """Count with every other worker on ``database``."""
        self._database = database

    def close(self) -> None:
        self._stop.set()
        self._wake.set()

    def observe(self, at: float, denied: bool, rules: RiskPolicy) -> tuple[bool, bool]:
        """Record one decision; (braking now, tripped by this decision)."""
        with self._guard:
            self._seen.append((at, denied))
            since = at - rules.brake_window_minutes * 60
            while self._seen and self._seen[0][0] <= since:
                self._seen.popleft()
            others_n, others_denied = self._others if self._database is not None else (0, 0)
            n = len(self._seen) + others_n
            rate = (sum(1 for _t, d in self._seen if d) + others_denied) / n
            braking = n >= rules.brake_min_events and rate > rules.brake_deny_ceiling
            just = braking and self.tripped_at is None
            self.tripped_at = (self.tripped_at or at) if braking else None
            if self._database is not None:
                self._count(at, denied, rules)
            return braking, just

    def _count(self, at: float, denied: bool, rules: RiskPolicy) -> None:
        if self._pid != os.getpid():
            # A new process (a forked worker): its counts and its thread are its own.
            self._pid, self._worker = os.getpid(), f"{os.getpid()}-{secrets.token_hex(4)}"
            self._slices, self._dirty, self._thread = {}, set(), None
        self._rules, self._latest = rules, max(self._latest, at)
        start = int(at // rules.brake_slice_seconds * rules.brake_slice_seconds)
        counts = self._slices.setdefault(start, [0, 0])
        counts[0] += 1
        counts[1] += int(denied)
        self._dirty.add(start)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="risk-brake", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            rules = self._rules
            self._wake.wait(rules.brake_sync_seconds if rules else 1.0)
            self._wake.clear()
            try:
                self.sync()
            except Exception:  # the brake must outlive a database outage
                logger.warning("risk brake: sharing counts failed; retrying", exc_info=True)

    def sync(self) -> None:
        """Write this worker's changed slices, drop its old ones, read the others'."""
        database, rules = self._database, self._rules
        if database is None or rules is None:
            return
        with self._guard:
            horizon = self._latest - rules.brake_window_minutes * 60
            for start in [s for s in self._slices if s + rules.brake_slice_seconds <= horizon]:
                del self._slices[start]
            changed = {s: list(self._slices[s]) for s in self._dirty if s in self._slices}
            self._dirty.clear()
            worker, latest = self._worker, self._latest
        now = datetime.fromtimestamp(latest, UTC)
        with database.transaction() as db:
            insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
            for start, (events, denied) in sorted(changed.items()):
                stmt = insert(RiskBrakeCount).values(
                    key=f"{start}:{worker}", slice_start=start, worker=worker, events=events,
                    denied=denied, updated_at=now)
                db.execute(stmt.on_conflict_do_update(
                    index_elements=[RiskBrakeCount.key],
                    set_={"events": stmt.excluded.events, "denied": stmt.excluded.denied,
                          "updated_at": stmt.excluded.updated_at}))
            # Slices wholly before the window are nobody's business any more.
            db.execute(delete(RiskBrakeCount).where(
                RiskBrakeCount.slice_start < horizon - rules.brake_slice_seconds))
            events, denied = db.execute(
                select(func.coalesce(func.sum(RiskBrakeCount.events), 0),
                       func.coalesce(func.sum(RiskBrakeCount.denied), 0))
                .where(RiskBrakeCount.slice_start > horizon - rules.brake_slice_seconds,
                       RiskBrakeCount.worker != worker)).one()
        with self._guard:
            self._others = (int(events), int(denied))


@dataclass
class RiskEngine:
    """What the engine needs from the platform, built once per process."""

    policy: Policy
    geo: GeoLocator = field(default_factory=NoGeo)
    ranges: IpRanges = field(default_factory=IpRanges)
    brake: Brake = field(default_factory=Brake)
    refresh_seconds: float = 30.0
    # The live override and the shadow candidate, re-read at most every refresh_seconds.
    _live: RiskPolicy | None = field(default=None, repr=False)
    _candidate: tuple[str, RiskPolicy] | None = field(default=None, repr=False)
    _read_at: float | None = field(default=None, repr=False)

    @property
    def env(self) -> signals.Settings:
        return signals.Settings(zone=ZoneInfo(self.policy.timezone),
                                sim_swap_hours=self.policy.device_trust.sim_change_quiet_hours)

    def enrich(self, event: Event) -> Event:
        return replace(event, country=self.geo.country(event.ip),
                       ip_kind=self.ranges.kind_of(event.ip))

    def rules(self, db: Session) -> tuple[RiskPolicy, tuple[str, RiskPolicy] | None]:
        """The live risk policy and the shadow candidate (id, policy), if any."""
        moment = time.monotonic()
        if self._read_at is None or moment - self._read_at >= self.refresh_seconds:
            rows = db.execute(
                select(RiskPolicyChange)
                .where(RiskPolicyChange.status.in_(("shadow", "live")))
                .order_by(RiskPolicyChange.decided_at.desc(), RiskPolicyChange.proposed_at.desc())
            ).scalars().all()
            live = next((r for r in rows if r.status == "live"), None)
            shadow = next((r for r in rows if r.status == "shadow"), None)
            self._live = RiskPolicy.model_validate(live.candidate) if live else None
            self._candidate = ((shadow.id, RiskPolicy.model_validate(shadow.candidate))
                               if shadow else None)
            self._read_at = moment
        return self._live or self.policy.risk, self._candidate

    def forget_cached_rules(self) -> None:
        self._read_at = None


@dataclass
class Evaluation:
    decision: Decision
    shadow: Decision | None
    record: RiskDecision | None
    keeps: list[Keep]

    @property
    def reasons(self) -> list[dict[str, str]]:
        return signals.owner_reasons(self.decision.fired + list(self.decision.overrides))


def evaluate(
    db: Session, *, engine: RiskEngine, wallet: LockedWallet, event: Event, now: datetime,
    exclude_device: str | None = None, step_up_met: bool = False,
) -> Evaluation:
    """Judge ``event`` for the owner of ``wallet`` and fold it into the state (in this
    transaction). The state lives on the wallet row the caller has locked (ADR 0009):
    it was read with the lock and is written with the row's own UPDATE, so judging costs
    no statement of its own. ``step_up_met``: the caller saw the step-up this event would
    ask for met (``met_step_up``)."""
    user_id = wallet.user_id
    live, candidate = engine.rules(db)
    env = engine.env
    event = engine.enrich(event)
    state = State.from_json(wallet.risk_state)
    decision = signals.decide(state, event, live, env)
    braked, just_tripped = engine.brake.observe(
        now.timestamp(), decision.outcome in ("deny", "lock"), live)
    if braked:
        decision = signals.braked(decision)
    if step_up_met and decision.outcome == "step_up":
        decision = replace(decision, outcome="allow", overrides=("step_up_met",))
    shadow = signals.decide(state, event, candidate[1], env) if candidate else None
    if signals.learned(decision, event.type):
        _save(wallet, signals.learn(state, event, live, env, decision),
              clean=not decision.fired and not decision.overrides)
    record = None
    keeps: list[Keep] = []
    if decision.fired or decision.overrides or (shadow is not None and shadow.fired):
        record = _record(user_id, event, decision, shadow, live, now)
    alert = _alert(user_id, event, decision, record, now, exclude_device)
    if alert is not None:
        keeps.append(alert)
    if just_tripped:
        keeps.append(lambda db: _alert_brake_tripped(db, live, now))
    return Evaluation(decision=decision, shadow=shadow, record=record, keeps=keeps)


BRAKE_ALERT_KEY = "risk:brake-tripped"


def _alert_brake_tripped(db: Session, live: RiskPolicy, now: datetime) -> None:
    """Tell the operator the brake tripped: once per brake window for every worker
    together. Each worker trips on its own view of the shared rate, so the first to trip
    in a window claims the alert (a lookup-table counter) and the others see it taken."""
    window = timedelta(minutes=live.brake_window_minutes)
    if throttle.hit(db, key=BRAKE_ALERT_KEY, window=window, now=now) > 1:
        return
    notifications.enqueue(
        db, topic="risk.brake_tripped", user_id=None, now=now,
        recipients=[("operator", "risk")],
        payload={"ceiling": live.brake_deny_ceiling,
                 "window_minutes": live.brake_window_minutes})


def _save(wallet: LockedWallet, state: State, *, clean: bool) -> None:
    wallet.risk_state = state.to_json()
    if clean:
        wallet.risk_clean_allows += 1


def _record(user_id: str, event: Event, decision: Decision, shadow: Decision | None,
            live: RiskPolicy, now: datetime) -> RiskDecision:
    return RiskDecision(
        user_id=user_id, id=new_id("rsk"), at=now, event_type=event.type,
        outcome=decision.outcome, score=decision.score, sensitivity=live.sensitivity,
        braked=decision.braked, rules=decision.trace(), reasons=decision.fired,
        overrides=list(decision.overrides),
        shadow_outcome=shadow.outcome if shadow else None,
        shadow_score=shadow.score if shadow else None,
        shadow_rules=shadow.trace() if shadow else None)


def _alert(user_id: str, event: Event, decision: Decision, record: RiskDecision | None,
           now: datetime, exclude_device: str | None) -> Keep | None:
    """Anomalous logins and high-risk decisions reach the owner's other devices and
    channels (a new device alone has its own notice, ``device.new_login``)."""
    high = decision.outcome in ("deny", "lock")
    anomalous = event.type == "login" and set(decision.fired) - {"new_device"}
    if not (high or anomalous):
        return None
    topic = "risk.high_risk_decision" if high else "risk.anomalous_login"
    payload: dict[str, Any] = {"event": event.type, "decision": decision.outcome,
                               "decision_id": record.id if record else None,
                               "reasons": signals.owner_reasons(decision.fired)}
    return lambda db: notifications.notify_owner(
        db, topic=topic, user_id=user_id, now=now, payload=payload,
        exclude_device=exclude_device)


def keep_all(evaluation: Evaluation, into: Inserts | None = None) -> Keep:
    """What the evaluation writes whatever the outcome: its decision row (with ``into``,
    among the caller's closing writes: no statement of its own on PostgreSQL), its alerts,
    the brake's notice."""
    def write(db: Session) -> None:
        record = evaluation.record
        if record is not None and into is not None:
            into.add(table_of(RiskDecision), [
                {column.key: getattr(record, column.key)
                 for column in table_of(RiskDecision).columns}])
        elif record is not None:
            db.add(record)
        for keep in evaluation.keeps:
            keep(db)
    return write


def enforce(
    db: Session, evaluation: Evaluation, *, wallet: LockedWallet | None, user_id: str,
    now: datetime, step_up: Callable[[], DomainError] | None = None,
    into: Inserts | None = None,
) -> None:
    """Act on the decision inside the caller's judged part. ``step_up`` makes the
    refusal a step-up asks with (the caller knows the methods and the challenge); without
    it a step-up decision is refused like a deny. ``into``: the caller's closing writes,
    which carry an allowed event's decision row (a refusal keeps its own)."""
    decision = evaluation.decision
    body = {"reasons": evaluation.reasons,
            "decision_id": evaluation.record.id if evaluation.record else None}
    if decision.outcome == "allow":
        keep_all(evaluation, into)(db)
        return
    keeps = [keep_all(evaluation)]
    if decision.outcome == "step_up":
        refusal = step_up() if step_up is not None else StepUpRequired(
            "this looks unusual; confirm it is you", methods=[])
        refusal.extra.update(body)
        raise refusal.keeping(*keeps)
    if decision.outcome == "lock":
        restriction_id = new_id("rst")

        def lock(db: Session) -> None:
            locked = wallet if wallet is not None else ledger.lock_wallet(db, user_id)
            restrictions.place_lock(
                db, wallet=locked, scope=restrictions.Scope.ACCOUNT, source=RISK_LOCK_SOURCE,
                reason="locked by the risk engine: " + ", ".join(decision.fired),
                expires_at=None, now=now, actor=SYSTEM, restriction_id=restriction_id)

        keeps.append(lock)
        raise RiskDenied("this was refused and the account is locked for your protection; "
                         "call the hotline to unlock it", restriction_id=restriction_id,
                         **body).keeping(*keeps)
    raise RiskDenied("this was refused because it does not look like you", **body
                     ).keeping(*keeps)


def bind_step_up(db: Session, *, user_id: str, challenge_id: str, kind: str, amount: int,
                 payee: str | None, now: datetime) -> None:
    """Remember what the step-up opened as ``challenge_id`` was asked for: this kind of
    operation, this amount, this payee (a keep of the refusal that asks for it)."""
    db.add(RiskStepUp(user_id=user_id, challenge_id=challenge_id, kind=kind, amount=amount,
                      payee=payee, created_at=now))


def met_step_up(db: Session, *, user_id: str, session_id: str | None, challenge_id: str | None,
                kind: str, amount: int, payee: str | None, policy: Policy,
                now: datetime) -> bool:
    """Whether the operation retried with ``challenge_id`` meets the step-up it asked for.

    A met step-up covers one operation: the one that asked for it (same kind, amount and
    payee), once, by the session it was asked of, within the challenge's lifetime after
    the approval. It is spent by one conditional UPDATE, so two retries racing cannot both
    pass, and a second risky payment asks again. Spending happens inside the caller's
    judged part: an operation refused afterwards (funds, limit) gives it back. Never a
    deny or a lock: those are not step-ups."""
    if challenge_id is None or session_id is None:
        return False
    found = db.get(DeviceChallenge, (user_id, challenge_id))
    window = timedelta(minutes=policy.device_trust.challenge_minutes)
    if not (found is not None and found.status == "approved"
            and found.session_id == session_id and found.decided_at is not None
            and now - found.decided_at <= window):
        return False
    spent = db.execute(
        update(RiskStepUp)
        .where(RiskStepUp.user_id == user_id, RiskStepUp.challenge_id == challenge_id,
               RiskStepUp.kind == kind, RiskStepUp.amount == amount,
               RiskStepUp.payee.is_(None) if payee is None else RiskStepUp.payee == payee,
               RiskStepUp.used_at.is_(None))
        .values(used_at=now)
        .returning(RiskStepUp.challenge_id)
    ).scalar_one_or_none()
    return spent is not None


def judge_device_bind(
    db: Session, *, engine: RiskEngine | None, wallet: LockedWallet, device_id: str,
    fingerprint: str | None, ip: str | None, now: datetime, approved_by_device: bool = False,
    step_up: Callable[[], DomainError] | None = None,
) -> None:
    """A device becoming the owner's (trusted, or bound for biometrics) is a
    ``device_bind`` event, judged in the binding's transaction under the wallet lock the
    caller holds, before any other row of the owner is locked (the lock order).

    What the decision means here: ``allow`` binds; ``deny`` refuses the binding
    (``risk_denied``); ``lock`` places a risk lock and refuses. ``step_up``: a binding
    approved on another trusted device with the PIN *is* the strongest step-up the engine
    could ask for, so it is met (``approved_by_device``, recorded as ``step_up_met``);
    any other binding is refused with the refusal ``step_up`` builds (the methods that
    can still meet it), or ``step_up_required`` without one."""
    if engine is None or not engine.policy.risk.enabled:
        return
    active = restrictions.active(db, user_id=wallet.user_id, now=now)
    event = Event(at=now, type="device_bind", device_id=device_id, fingerprint=fingerprint,
                  ip=ip, lost_report_standing=restrictions.lost_report_standing(active))
    evaluation = evaluate(db, engine=engine, wallet=wallet, event=event, now=now,
                          exclude_device=device_id, step_up_met=approved_by_device)
    enforce(db, evaluation, wallet=wallet, user_id=wallet.user_id, now=now, step_up=step_up)


RECOVERY_REASON = "risk_engine"


def judge_recovery_step(
    db: Session, *, engine: RiskEngine | None, wallet: LockedWallet, case_risk: list[str],
    device_id: str | None, now: datetime,
) -> list[str]:
    """A recovery verification or completion is a ``recovery_step`` event, judged under
    the wallet lock the recovery use case holds; returns the case's risk reasons after it.

    What the decision means for a recovery (DOMAIN.md: a recovery after a SIM change or
    from a new device needs more evidence, not less):

    - ``allow``: nothing changes;
    - ``step_up``: the case needs more evidence — ``risk_engine`` joins the case's risk
      reasons, so the recovery policy's surcharge applies (once, like its own reasons)
      and the answer shows the higher required assurance; the step itself goes on;
    - ``deny``: the step is refused (``risk_denied``, with the reasons); a verification
      stays counted, as every refused one does;
    - ``lock``: a risk lock through the restrictions rules, then refused.

    ``device_id`` is the app's id of the device the case recovers to (``None``: the case
    names none). A standing freeze or lost-phone report is not weighed here: lifting it
    is what a recovery is for, and the recovery rules already ask more for it; the
    report's own signal (``after_lost_report``) still weighs against the lost phone."""
    if engine is None or not engine.policy.risk.enabled:
        return case_risk
    device = None if device_id is None else db.execute(select(Device).where(
        Device.user_id == wallet.user_id, Device.client_device_id == device_id)
    ).scalar_one_or_none()
    event = Event(at=now, type="recovery_step", device_id=device.id if device else None,
                  fingerprint=device.fingerprint_digest if device else None,
                  ip=device.last_ip if device else None)
    with judged(db):
        evaluation = evaluate(db, engine=engine, wallet=wallet, event=event,
                              now=now, exclude_device=device.id if device else None)
        if evaluation.decision.outcome != "step_up":
            enforce(db, evaluation, wallet=wallet, user_id=wallet.user_id, now=now)
            return case_risk
        keep_all(evaluation)(db)
    return case_risk if RECOVERY_REASON in case_risk else [*case_risk, RECOVERY_REASON]


def state_of(db: Session, *, user_id: str) -> State:
    """The owner's risk state as stored (an empty one before the first event)."""
    return State.from_json(_stored_state(db, user_id))


def _stored_state(db: Session, user_id: str) -> dict[str, Any] | None:
    """The state on the owner's wallet row, read without its lock (a view)."""
    return db.execute(select(Wallet.risk_state).where(Wallet.user_id == user_id)
                      ).scalar_one_or_none()


def sms_void_reason(db: Session, *, policy: Policy, user_id: str,
                    now: datetime) -> str | None:
    """Why the risk state voids an SMS step-up code now (see ``signals.sms_void_reason``):
    a SIM change the carrier reported, impossible travel, a lost-phone report."""
    stored = _stored_state(db, user_id)
    if stored is None:
        return None
    env = signals.Settings(zone=ZoneInfo(policy.timezone),
                           sim_swap_hours=policy.device_trust.sim_change_quiet_hours)
    return signals.sms_void_reason(State.from_json(stored), now=now,
                                   policy=policy.risk, env=env)


# ---- what staff and carriers tell the engine --------------------------------------------


def record_carrier_signal(
    db: Session, *, engine: RiskEngine, keys: Keyring, actor: Principal, phone: str,
    event: str, at: datetime, now: datetime,
) -> str | None:
    """A carrier's word about a phone number: ``sim_swap`` (at ``at``), ``no_swap``, or
    ``unknown`` — which is a signal of its own, never read as "no swap". Returns the owner
    it concerned, or None for a number no wallet has (the answer does not say which)."""
    actor.require(Role.OPERATOR)
    if event not in ("sim_swap", "no_swap", "unknown"):
        raise InvalidInput("event must be sim_swap, no_swap or unknown", field="event")
    if at > now + timedelta(minutes=5):
        raise InvalidInput("at is in the future", field="at")
    user = identity.find_by_phone(db, vault=keys.vault, phone=phone)
    if user is None:
        return None
    wallet = ledger.lock_wallet(db, user.id)
    state = State.from_json(wallet.risk_state)
    if event == "sim_swap":
        state = signals.learn(state, Event(at=at, type="sim_swap"), engine.policy.risk,
                              engine.env)
    else:
        state.carrier_unknown = event == "unknown"
    _save(wallet, state, clean=False)
    audit.append(db, actor=actor.ref, action=f"risk.carrier_{event}", subject=user.id, at=now,
                 chain=user.id, data={"at": at.isoformat()})
    return user.id


def confirm_trip(db: Session, *, engine: RiskEngine, owner: Principal, days: int,
                 now: datetime) -> datetime:
    """The owner says "I am travelling": impossible travel is muted until the returned
    time (an expiring, per-owner suppression; nothing else is)."""
    owner.require(Role.OWNER)
    if not 1 <= days <= engine.policy.risk.trip_mute_days_max:
        raise InvalidInput(f"days must be 1-{engine.policy.risk.trip_mute_days_max}",
                           field="days")
    wallet = ledger.lock_wallet(db, str(owner.user_id))
    until = now + timedelta(days=days)
    state = signals.mute_travel(State.from_json(wallet.risk_state), until=until)
    _save(wallet, state, clean=False)
    audit.append(db, actor=owner.ref, action="risk.trip_confirmed", subject=wallet.user_id,
                 at=now, chain=wallet.user_id, data={"until": until.isoformat()})
    return until


def decisions_for(db: Session, *, actor: Principal, user_id: str,
                  limit: int = 100) -> list[RiskDecision]:
    """The whole trace, for an agent on the hotline: every rule's outcome and reason."""
    actor.require(Role.AGENT)
    return list(db.execute(
        select(RiskDecision).where(RiskDecision.user_id == user_id)
        .order_by(RiskDecision.at.desc()).limit(limit)).scalars())


def shadow_report(db: Session, *, actor: Principal, since: datetime) -> dict[str, Any]:
    """Live against shadow since ``since``: how often each pair of outcomes happened."""
    actor.require(Role.OPERATOR)
    rows = db.execute(
        select(RiskDecision.outcome, RiskDecision.shadow_outcome, func.count())
        .where(RiskDecision.at >= since, RiskDecision.shadow_outcome.is_not(None))
        .group_by(RiskDecision.outcome, RiskDecision.shadow_outcome)).all()
    pairs = [{"live": live, "shadow": shadow, "count": int(n)} for live, shadow, n in rows]
    return {"since": since.isoformat(), "pairs": pairs,
            "disagreements": sum(p["count"] for p in pairs if p["live"] != p["shadow"])}


def propose_change(db: Session, *, actor: Principal, candidate: dict[str, Any], reason: str,
                   now: datetime) -> RiskPolicyChange:
    """Put a candidate risk policy in shadow (it replaces any candidate in shadow)."""
    actor.require(Role.OPERATOR)
    try:
        checked = RiskPolicy.model_validate(candidate)
    except ValueError as exc:
        raise InvalidInput(f"candidate: {exc}", field="candidate") from None
    for old in db.execute(select(RiskPolicyChange)
                          .where(RiskPolicyChange.status == "shadow")).scalars():
        old.status, old.decided_at, old.decided_by = "retired", now, actor.ref
    change = RiskPolicyChange(id=new_id("rpc"), candidate=checked.model_dump(mode="json"),
                              reason=reason, status="shadow", proposed_by=actor.ref,
                              proposed_at=now)
    db.add(change)
    audit.append(db, actor=actor.ref, action="risk.policy_proposed", subject=change.id,
                 reason=reason, at=now, data={"candidate": change.candidate})
    return change


def approve_change(db: Session, *, actor: Principal, change_id: str,
                   now: datetime) -> RiskPolicyChange:
    """A second staff member switches the candidate live (never its proposer)."""
    actor.require(Role.OPERATOR)
    change = db.get(RiskPolicyChange, change_id)
    if change is None:
        raise NotFound("no such policy change")
    if change.status != "shadow":
        raise Conflict(f"this policy change is {change.status}")
    if change.proposed_by == actor.ref:
        raise Forbidden("a policy change is approved by someone other than its proposer")
    for old in db.execute(select(RiskPolicyChange)
                          .where(RiskPolicyChange.status == "live")).scalars():
        old.status = "retired"
    change.status, change.decided_by, change.decided_at = "live", actor.ref, now
    audit.append(db, actor=actor.ref, action="risk.policy_switched_live", subject=change.id,
                 at=now, data={"proposed_by": change.proposed_by})
    return change
