"""The security checkup (seed 000's monthly "payment security day"): facts the services
already give the owner, weighed into a score and a list of concrete fixes.

It decides nothing about money or access; it only reads. The weights say how much each
finding matters to an owner who lost a phone: password-free payments and missing
contacts first (seed 000: most theft after a loss goes through password-free payments).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# What each problem costs out of 100.
WEIGHTS = {"password_free": 30, "contacts": 25, "lost_devices": 15, "untrusted": 10,
           "stale": 10, "guessing": 10}
STALE_DAYS = 90
ALERT_DAYS = 30
ALERT_ACTIONS = ("session.started", "restriction.freeze_placed", "restriction.freeze_lifted",
                 "restriction.lock_placed", "incident.lost_phone_guessing", "device.lost",
                 "device.unbound", "device.trusted")


@dataclass(frozen=True)
class Finding:
    key: str  # an i18n key: fix.* or ok.*
    values: dict[str, Any]
    fix_url: str | None = None


@dataclass(frozen=True)
class Checkup:
    score: int
    fixes: list[Finding]
    fine: list[Finding]


def weigh(*, devices: list[Any], password_free: dict[str, Any], contacts: int,
          min_contacts: int, alerts: list[Any], restricted: bool,
          now: datetime) -> Checkup:
    fixes: list[Finding] = []
    fine: list[Finding] = []
    lost = [d for d in devices if d.status == "lost"]
    live = [d for d in devices if d.status == "active"]
    untrusted = [d for d in live if d.trust != "trusted"]
    stale = [d for d in live if now - d.last_seen_at > timedelta(days=STALE_DAYS)]
    lost_penalty = 0
    if restricted:
        fixes.append(Finding("fix.restricted", {}, "/security/home"))
    if password_free.get("enabled"):
        fixes.append(Finding("fix.password_free", {"per": password_free["per_payment_limit"],
                                                   "day": password_free["daily_limit"]},
                             "/security/settings"))
        lost_penalty += WEIGHTS["password_free"]
    else:
        fine.append(Finding("ok.password_free", {}))
    if contacts < min_contacts:
        fixes.append(Finding("fix.contacts", {"min": min_contacts}, "/security/contacts"))
        lost_penalty += WEIGHTS["contacts"]
    else:
        fine.append(Finding("ok.contacts", {"n": contacts}))
    for name, found in (("lost_devices", lost), ("untrusted", untrusted), ("stale", stale)):
        if found:
            fixes.append(Finding(f"fix.{name}", {"n": len(found), "days": STALE_DAYS},
                                 "/security/devices"))
            lost_penalty += WEIGHTS[name]
    if not (lost or untrusted or stale):
        fine.append(Finding("ok.devices", {"n": len(live)}))
    if any(a.action == "incident.lost_phone_guessing" for a in alerts):
        fixes.append(Finding("fix.guessing", {}, "/security/devices"))
        lost_penalty += WEIGHTS["guessing"]
    return Checkup(score=max(0, 100 - lost_penalty), fixes=fixes, fine=fine)
