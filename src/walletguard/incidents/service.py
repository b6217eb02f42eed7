"""Lost-phone incidents: the one-step report, the checklist, the timeline.

A report that matches an owner does, in the caller's one transaction and before the
answer is sent: freeze (payments scope), revoke every session, mark the owner's devices
lost unless the report is made from a session of a device still in the owner's hands,
drop biometric bindings, turn password-free off, open the incident with its checklist,
and enqueue notices to the owner's other channels, trusted contacts and linked partners.
The public answer is the same whether or not the details matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from walletguard.audit import service as audit
from walletguard.auth import throttle
from walletguard.auth.principal import SYSTEM, Principal, Role
from walletguard.credentials import service as credentials
from walletguard.crypto import Keyring
from walletguard.db import judged, new_id
from walletguard.devices import service as devices
from walletguard.devices.models import Device
from walletguard.errors import Forbidden, InvalidInput, NotFound, RateLimited
from walletguard.identity import service as identity
from walletguard.identity import validation
from walletguard.identity.models import TrustedContact, User
from walletguard.incidents import partners as linked_partners
from walletguard.incidents.models import ChecklistItem, Incident, IncidentEvent
from walletguard.ledger import service as ledger
from walletguard.notifications import service as notifications
from walletguard.policy import DAILY_WINDOW, HOURLY_WINDOW, ChecklistEntry, Policy
from walletguard.restrictions import service as restrictions

PUBLIC_MESSAGE = (
    "If these details match a walletguard account, its payments are now frozen and the "
    "owner's other contact channels have been told. Keep this page: it has your next steps."
)


@dataclass(frozen=True)
class LostPhoneReport:
    phone: str
    real_name: str
    id_number_last4: str


@dataclass(frozen=True)
class ReportAnswer:
    message: str
    incident_id: str | None
    next_steps: dict[str, Any]


# The public reporter as restrictions, devices and the audit log name it: never the
# reporter's address, which every holder of the owner's session would otherwise read in
# ``placed_by``. The address is kept for staff in the audit event's data only.
PUBLIC_REPORTER = Principal(role=Role.PUBLIC, id="lost_phone_report")
GUESSING_TOPIC = "lost_phone.guessing"
STAFF_SECURITY = ("staff", "security")


@dataclass(frozen=True)
class Reporter:
    """Who reported, in the words the owner is told (never an address or a key id)."""

    words: str
    contact: dict[str, str] | None = None


def report_lost_phone(
    db: Session, *, keys: Keyring, policy: Policy, report: LostPhoneReport,
    reporter_ip: str | None, now: datetime,
) -> ReportAnswer:
    """The public report "from a friend's browser"; the answer never says whether an
    account exists or the details matched.

    Counted before judging, matching or not: every report from the address, and every
    report naming this phone from this address. Nothing counted across addresses refuses:
    a thief holding the SIM who floods the form from elsewhere burns only his own
    allowance, and the owner's correct report from any other address still freezes.
    Misses naming a phone from any address are counted too, to tell the owner and staff
    that someone is guessing."""
    _validate(report)
    rules = policy.lost_phone
    address = reporter_ip
    phone = _phone_key(report.phone)
    # No address: an in-process caller (``http.deps.client_ip`` refuses network requests
    # without one), with the database in hand; there is no address to count.
    limits = () if address is None else (
        (f"lost:ip:{address}", rules.reports_per_ip_per_hour),
        # Keyed, so the table holds no phone number next to an address.
        ("lost:pa:" + keys.vault.blind_index("lost_report", f"{phone}|{address}"),
         rules.reports_per_phone_per_ip_per_hour),
    )
    full = [key for key, limit in limits
            if throttle.hit(db, key=key, window=HOURLY_WINDOW, now=now) > limit]
    # The report is counted above, before the savepoint: a refusal below keeps the count.
    with judged(db):
        if full:
            wait = max(throttle.seconds_left(db, key=key, window=HOURLY_WINDOW, now=now)
                       for key in full)
            raise RateLimited("too many reports from this address; try again later, from "
                              "another network, or call the hotline", retry_after=wait)
        return _judge_public_report(db, keys=keys, policy=policy, report=report, phone=phone,
                                    address=address, now=now)


def _judge_public_report(
    db: Session, *, keys: Keyring, policy: Policy, report: LostPhoneReport, phone: str,
    address: str | None, now: datetime,
) -> ReportAnswer:
    user = identity.find_by_phone(db, vault=keys.vault, phone=report.phone)
    matched = user is not None and identity.details_match(
        user, vault=keys.vault, real_name=report.real_name,
        id_number_last4=report.id_number_last4)
    if user is None or not matched:
        _count_miss(db, policy=policy, phone_index=keys.vault.blind_index("phone", phone),
                    user=user, now=now)
        # A reference shaped like a real one, so the answer cannot tell a match from a miss.
        return ReportAnswer(message=PUBLIC_MESSAGE, incident_id=new_id("inc"),
                            next_steps=next_steps(policy, now=now))
    incident, opened = _open_or_join(
        db, policy=policy, user=user, reported_via="public", actor=PUBLIC_REPORTER,
        reporter=Reporter(words="public report"), now=now, lost_device_id=None,
        forensics={"reporter_ip": address})
    # A repeat names no incident: the same id twice would tell a stranger the details match.
    return ReportAnswer(message=PUBLIC_MESSAGE,
                        incident_id=incident.id if opened else new_id("inc"),
                        next_steps=next_steps(policy, now=now))


def _count_miss(
    db: Session, *, policy: Policy, phone_index: str, user: User | None, now: datetime
) -> None:
    """Count a non-matching report naming this phone, from any address. It never refuses
    (that would let a thief jam the owner's report); the one miss that reaches the
    threshold in a window tells the owner's channels and staff that someone is guessing
    (the upsert gives exactly one request that count, so once per window)."""
    misses = throttle.hit(db, key=f"lost:miss:{phone_index}", window=HOURLY_WINDOW,
                          now=now)
    if user is None or misses != policy.lost_phone.guessing_alert_failures_per_hour:
        return
    payload = {"failures": misses, "window_hours": HOURLY_WINDOW // timedelta(hours=1),
               "advice": "someone is trying to report your phone lost with wrong details; "
                         "if you did not, nothing has changed — your wallet is not frozen"}
    notifications.notify_owner(db, topic=GUESSING_TOPIC, user_id=user.id, now=now,
                               payload=payload)
    notifications.enqueue(db, topic=GUESSING_TOPIC, user_id=user.id, now=now,
                          recipients=[STAFF_SECURITY], payload=payload)
    # The owner's chain is appended under the wallet lock (audit/service.py).
    ledger.lock_wallet(db, user.id)
    audit.append(db, actor=SYSTEM.ref, action="incident.lost_phone_guessing", subject=user.id,
                 at=now, chain=user.id, data={"failures": misses, "window_hours": 1})


def _phone_key(phone: str) -> str:
    """The phone as the throttle counts it: one bucket however the number is written."""
    try:
        return validation.normalize_phone(phone)
    except InvalidInput:
        return phone.strip()


def _validate(report: LostPhoneReport) -> None:
    if not 1 <= len(report.phone.strip()) <= 32:
        raise InvalidInput("phone is required", field="phone")
    if not 1 <= len(report.real_name.strip()) <= 100:
        raise InvalidInput("real_name is required", field="real_name")
    last4 = report.id_number_last4.strip().upper()
    if len(last4) != 4 or not (last4[:3].isdigit() and (last4[3].isdigit() or last4[3] == "X")):
        raise InvalidInput("id_number_last4 must be the last four characters of the ID",
                           field="id_number_last4")


def report_for_owner(
    db: Session, *, policy: Policy, actor: Principal, user_id: str, now: datetime,
    device_id: str | None = None,
) -> Incident:
    """A lost phone reported by an agent on the hotline, or by the owner from another
    signed-in device (which stays signed in; ``device_id`` names the lost one). Any session
    of the owner may report, trusted or not (easy to stop); an untrusted one gains
    nothing by it and ends with the next lift. No public traffic touches this path: it is
    the fallback when the public form is flooded."""
    actor.require(Role.AGENT, Role.OWNER, untrusted_ok=True)
    if actor.role == Role.OWNER and actor.user_id != user_id:
        raise Forbidden("owners report their own phone")
    user = identity.get_user(db, user_id)
    via, words = (("hotline", "agent (hotline)") if actor.role == Role.AGENT
                  else ("owner", "the owner"))
    incident, _opened = _open_or_join(db, policy=policy, user=user, reported_via=via,
                                      actor=actor, reporter=Reporter(words=words), now=now,
                                      lost_device_id=device_id)
    return incident


def report_for_contact(
    db: Session, *, keys: Keyring, policy: Policy, actor: Principal, phone: str,
    now: datetime,
) -> Incident:
    """A trusted contact, signed in as themselves, reports the phone of an owner who named
    them. Anyone else gets ``not_found``, whether or not the phone has an account.

    Each contact has ``trusted_contacts.reports_per_contact_per_day`` reports per owner,
    repeats that join the standing incident included: a contact turned hostile can
    re-freeze, but not again and again after every lift. The owner is told which contact
    reported."""
    actor.require(Role.OWNER, untrusted_ok=True)
    user = identity.find_by_phone(db, vault=keys.vault, phone=phone)
    named = None if user is None else db.execute(
        select(TrustedContact).where(TrustedContact.user_id == user.id,
                                     TrustedContact.contact_user_id == actor.user_id)
    ).scalar_one_or_none()
    if user is None or named is None:
        raise NotFound("you are not a trusted contact of an owner with this phone",
                       field="phone")
    key = f"lost:contact:{named.contact_user_id}:{user.id}"
    reports = throttle.hit(db, key=key, window=DAILY_WINDOW, now=now)
    # The report is counted above, before the savepoint: a refusal below keeps the count.
    with judged(db):
        if reports > policy.trusted_contacts.reports_per_contact_per_day:
            raise RateLimited("you have reported this phone too often today; the owner can "
                              "call the hotline",
                              retry_after=throttle.seconds_left(db, key=key,
                                                                window=DAILY_WINDOW, now=now))
        return _contact_reports(db, keys=keys, policy=policy, actor=actor, user=user,
                                named=named, now=now)


def _contact_reports(
    db: Session, *, keys: Keyring, policy: Policy, actor: Principal, user: User,
    named: TrustedContact, now: datetime,
) -> Incident:
    contact = identity.get_user(db, named.contact_user_id)
    name_masked = validation.mask_name(keys.vault.open("real_name", contact.real_name_sealed))
    reporter = Reporter(words=f"trusted contact {name_masked} ({named.relation})",
                        contact={"user_id": contact.id, "name_masked": name_masked,
                                 "relation": named.relation})
    incident, _opened = _open_or_join(db, policy=policy, user=user,
                                      reported_via="trusted_contact", actor=actor,
                                      reporter=reporter, now=now, lost_device_id=None)
    return incident


def _open_or_join(
    db: Session, *, policy: Policy, user: User, reported_via: str, actor: Principal,
    reporter: Reporter, now: datetime, lost_device_id: str | None,
    forensics: dict[str, Any] | None = None,
) -> tuple[Incident, bool]:
    """Open the incident, or join the standing one if the wallet is still frozen for an
    earlier report of the same loss. ``forensics`` goes to the audit event's data only
    (staff read it; the owner's views and the timeline never show it)."""
    # The one lock order: the wallet row first. Everything below commits together, so
    # the freeze takes effect with the rest; the lost devices end before the freeze is
    # announced, so no notice goes to the phone in the wrong hands.
    wallet = ledger.lock_wallet(db, user.id)
    told_of = {"reported_by": reporter.words,
               **({"reporting_contact": reporter.contact} if reporter.contact else {})}
    standing = _standing_incident(db, user_id=user.id, now=now)
    if standing is not None:
        # The wallet is already frozen for this loss: one incident, one freeze to lift.
        _event(db, standing, now, "reported_again", {"via": reported_via, "by": reporter.words})
        if reporter.contact is not None:
            # A contact's repeat is still news to the owner: who is worried, and when.
            notifications.notify_owner(db, topic="incident.lost_phone_reported_again",
                                       user_id=user.id, now=now,
                                       payload={"incident_id": standing.id, **told_of})
        audit.append(db, actor=actor.ref, action="incident.lost_phone_reported_again",
                     subject=user.id, at=now, chain=user.id,
                     data={"incident_id": standing.id, "via": reported_via,
                           **(forensics or {})})
        return standing, False
    incident = Incident(id=new_id("inc"), user_id=user.id, kind="lost_phone",
                        reported_via=reported_via, reported_by=actor.ref, reported_at=now)
    db.add(incident)
    db.flush()
    _event(db, incident, now, "reported", {"via": reported_via, "by": reporter.words})
    reporting_from_own_device = actor.role == Role.OWNER and actor.user_id == user.id
    keep_session = actor.session_id if reporting_from_own_device else None
    lost = _lost_devices(db, user_id=user.id, lost_device_id=lost_device_id,
                         reporting_device=actor.device_id if reporting_from_own_device
                         else None)
    dropped = credentials.revoke_all_bindings(db, user_id=user.id, reason="phone reported lost",
                                              now=now)
    revoked = sum(devices.end_device(db, device=device, status="lost",
                                     reason="phone reported lost", actor=actor, now=now)
                  for device in lost)
    revoked += devices.revoke_all_sessions(db, user_id=user.id, reason="phone reported lost",
                                           now=now, except_session=keep_session)
    freeze = restrictions.place_freeze(
        db, actor=actor, wallet=wallet, scope=restrictions.Scope.PAYMENTS,
        reason="phone reported lost", source=restrictions.LOST_PHONE_SOURCE, now=now,
        incident_id=incident.id)
    _event(db, incident, now, "wallet.frozen", {"restriction_id": freeze.id,
                                                "scope": "payments"})
    _event(db, incident, now, "sessions.revoked", {
        "devices_marked_lost": [d.id for d in lost], "sessions": revoked,
        "biometric_bindings": dropped})
    _event(db, incident, now, "password_free.disabled", {})
    sent = notifications.notify_owner(
        db, topic="incident.lost_phone", user_id=user.id, now=now, contacts=True,
        exclude_device=actor.device_id if reporting_from_own_device else None,
        payload={"incident_id": incident.id, "restriction_id": freeze.id, **told_of})
    partners = linked_partners.tell_partners(db, incident=incident, now=now)
    _event(db, incident, now, "notifications.enqueued", {"owner_channels": sent,
                                                         "partners": partners})
    items = _checklist(db, policy=policy, incident=incident, now=now)
    _event(db, incident, now, "checklist.created", {"items": items})
    audit.append(db, actor=actor.ref, action="incident.lost_phone_reported", subject=user.id,
                 at=now, chain=user.id,
                 data={"incident_id": incident.id, "via": reported_via, **(forensics or {})})
    return incident, True


def _standing_incident(db: Session, *, user_id: str, now: datetime) -> Incident | None:
    """The open lost-phone incident whose freeze is still in force, if any."""
    frozen_by = {r.incident_id for r in restrictions.active(db, user_id=user_id, now=now)
                 if r.source == restrictions.LOST_PHONE_SOURCE and r.incident_id is not None}
    if not frozen_by:
        return None
    return db.execute(
        select(Incident).where(Incident.id.in_(frozen_by), Incident.status == "open")
        .order_by(Incident.reported_at.desc())
    ).scalars().first()


def _lost_devices(
    db: Session, *, user_id: str, lost_device_id: str | None, reporting_device: str | None
) -> list[Device]:
    active = list(db.execute(
        select(Device).where(Device.user_id == user_id, Device.status == "active")
    ).scalars())
    if lost_device_id is not None:
        chosen = [d for d in active if d.id == lost_device_id]
        if not chosen:
            raise NotFound("no such active device", field="device_id")
        return chosen
    # Without a named device every device is presumed gone, except the one reporting.
    return [d for d in active if d.id != reporting_device]


def _event(db: Session, incident: Incident, now: datetime, kind: str,
           detail: dict[str, Any]) -> None:
    db.add(IncidentEvent(user_id=incident.user_id, incident_id=incident.id, at=now, kind=kind,
                         detail=detail))


def _due_hours(policy: Policy, entry: ChecklistEntry) -> float:
    return policy.incidents.urgency_hours[entry.category]


def _checklist(db: Session, *, policy: Policy, incident: Incident, now: datetime) -> int:
    rows = [
        {"user_id": incident.user_id, "id": new_id("chk"), "incident_id": incident.id,
         "key": p.key, "name": p.name,
         "category": p.category, "hotline": p.hotline, "say": p.say,
         "due_at": now + timedelta(hours=_due_hours(policy, p))}
        for p in policy.incidents.linked_platforms
    ]
    db.execute(insert(ChecklistItem), rows)
    return len(rows)


def next_steps(policy: Policy, *, now: datetime) -> dict[str, Any]:
    """What the person who reported should do now, from the policy's checklist, the most
    urgent first (as the incident orders it): whom to call, what to ask, by when; and how
    to follow up. Built from the policy and the clock alone, so it is the same for every
    report, matching or not, and tells a stranger nothing."""
    entries = sorted(policy.incidents.linked_platforms,
                     key=lambda p: (_due_hours(policy, p), p.key))
    hours = policy.restrictions.unfreeze_cooling_off_hours
    return {
        "checklist": [
            {"key": p.key, "name": p.name, "category": p.category, "hotline": p.hotline,
             "say": p.say, "due_within_hours": _due_hours(policy, p),
             "due_at": (now + timedelta(hours=_due_hours(policy, p))).isoformat()}
            for p in entries],
        "follow_up": [
            "Call the numbers above in order, most urgent first: they stop the SIM, the "
            "other payment apps and the bank cards, which this wallet cannot.",
            "Signed in on any other device, the owner finds this report under "
            "GET /v1/incidents/{incident_id}: the same checklist to tick, and what was done.",
            "To pay again, the owner proves who they are to an agent on the hotline or to "
            "a bank teller in person; every lift is announced on every channel and the "
            f"owner can cancel it for {hours:g} hours.",
        ],
    }


def _visible(db: Session, *, actor: Principal, incident_id: str) -> Incident:
    # The role is judged before the id is looked up: a teller, institution or operator
    # key gets the same refusal for a real incident id and a made-up one, so it cannot
    # learn which references (the public report hands out decoys) name real incidents.
    actor.require(Role.OWNER, Role.AGENT, untrusted_ok=True)
    incident = (db.get(Incident, (actor.user_id, incident_id)) if actor.role == Role.OWNER
                else find_incident(db, incident_id=incident_id))
    if incident is None:
        raise NotFound("no such incident")
    return incident


def visible_incident(db: Session, *, actor: Principal, incident_id: str) -> Incident:
    """The incident, if ``actor`` may see it: an agent any, an owner their own (any
    session); every other caller is refused before the id is looked up."""
    return _visible(db, actor=actor, incident_id=incident_id)


def record_event(db: Session, incident: Incident, *, kind: str, detail: dict[str, Any],
                 now: datetime) -> None:
    """One entry on the incident's timeline, for what other domains do about it
    (disputes, claims, the police report)."""
    _event(db, incident, now, kind, detail)


def find_incident(db: Session, *, incident_id: str) -> Incident | None:
    """An incident by id alone, for staff and partners who do not know its owner (a
    look-up over every shard on Citus, off the hot paths)."""
    return db.execute(select(Incident).where(Incident.id == incident_id)).scalar_one_or_none()


def incident_view(
    db: Session, *, actor: Principal, incident_id: str, now: datetime
) -> dict[str, Any]:
    incident = _visible(db, actor=actor, incident_id=incident_id)
    items = db.execute(
        select(ChecklistItem).where(ChecklistItem.user_id == incident.user_id,
                                    ChecklistItem.incident_id == incident.id)
        .order_by(ChecklistItem.due_at, ChecklistItem.key)
    ).scalars()
    events = db.execute(
        select(IncidentEvent).where(IncidentEvent.user_id == incident.user_id,
                                    IncidentEvent.incident_id == incident.id)
        .order_by(IncidentEvent.id)
    ).scalars()
    return {
        "id": incident.id,
        "kind": incident.kind,
        "status": incident.status,
        "reported_at": incident.reported_at.isoformat(),
        "reported_via": incident.reported_via,
        "checklist": [
            {"id": i.id, "key": i.key, "name": i.name, "category": i.category,
             "hotline": i.hotline, "say": i.say, "due_at": i.due_at.isoformat(),
             "done_at": i.done_at.isoformat() if i.done_at else None,
             "overdue": i.done_at is None and i.due_at < now}
            for i in items
        ],
        "timeline": [{"at": e.at.isoformat(), "kind": e.kind, "detail": e.detail}
                     for e in events],
        # For the police and the insurer (docs/evidence.md).
        "evidence": {"json": f"/v1/incidents/{incident.id}/evidence",
                     "pdf": f"/v1/incidents/{incident.id}/evidence?format=pdf",
                     "police_report": f"/v1/incidents/{incident.id}/police-report",
                     "disputes": f"/v1/incidents/{incident.id}/disputes",
                     "claims": f"/v1/incidents/{incident.id}/claims"},
    }


def tick_checklist_item(
    db: Session, *, actor: Principal, incident_id: str, item_id: str, done: bool, now: datetime
) -> ChecklistItem:
    actor.require(Role.OWNER, Role.AGENT)  # changing the checklist needs a trusted session
    incident = _visible(db, actor=actor, incident_id=incident_id)
    item = db.get(ChecklistItem, (incident.user_id, item_id))
    if item is None or item.incident_id != incident.id:
        raise NotFound("no such checklist item")
    item.done_at = now if done else None
    _event(db, incident, now, "checklist.ticked" if done else "checklist.unticked",
           {"item": item.key, "by": actor.ref})
    return item


def incidents_of(db: Session, *, actor: Principal, user_id: str) -> list[Incident]:
    actor.require(Role.AGENT, Role.OWNER, untrusted_ok=True)
    if actor.role == Role.OWNER and actor.user_id != user_id:
        raise NotFound("no such user")
    return list(db.execute(
        select(Incident).where(Incident.user_id == user_id).order_by(Incident.reported_at.desc())
    ).scalars())
