"""The security checkup (seed 000's monthly "payment security day"): facts the services
already give the owner, weighed into a score and a list of concrete fixes.

It decides nothing about money or access; it only reads. How much each finding costs,
and the windows it looks at, are the policy's (``policy.checkup``, docs/policy.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from walletguard.policy import CheckupPolicy

# Which audit actions the owner sees as security alerts (names, not numbers).
ALERT_ACTIONS = ("session.started", "restriction.freeze_placed", "restriction.freeze_lifted",
                 "restriction.lock_placed", "incident.lost_phone_guessing", "device.lost",
                 "device.unbound", "device.trusted", "recovery.case_opened",
                 "recovery.delay_started", "recovery.completed", "recovery.cancelled")


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


def weigh(*, rules: CheckupPolicy, devices: list[Any], password_free: dict[str, Any],
          contacts: int, min_contacts: int, alerts: list[Any], restricted: bool,
          now: datetime) -> Checkup:
    weights = rules.weights
    fixes: list[Finding] = []
    fine: list[Finding] = []
    lost = [d for d in devices if d.status == "lost"]
    live = [d for d in devices if d.status == "active"]
    untrusted = [d for d in live if d.trust != "trusted"]
    stale = [d for d in live if now - d.last_seen_at > timedelta(days=rules.stale_days)]
    lost_penalty = 0
    if restricted:
        fixes.append(Finding("fix.restricted", {}, "/security/home"))
    if password_free.get("enabled"):
        fixes.append(Finding("fix.password_free", {"per": password_free["per_payment_limit"],
                                                   "day": password_free["daily_limit"]},
                             "/security/settings"))
        lost_penalty += weights["password_free"]
    else:
        fine.append(Finding("ok.password_free", {}))
    if contacts < min_contacts:
        fixes.append(Finding("fix.contacts", {"min": min_contacts}, "/security/contacts"))
        lost_penalty += weights["contacts"]
    else:
        fine.append(Finding("ok.contacts", {"n": contacts}))
    for name, found in (("lost_devices", lost), ("untrusted", untrusted), ("stale", stale)):
        if found:
            fixes.append(Finding(f"fix.{name}", {"n": len(found), "days": rules.stale_days},
                                 "/security/devices"))
            lost_penalty += weights[name]
    if not (lost or untrusted or stale):
        fine.append(Finding("ok.devices", {"n": len(live)}))
    if any(a.action == "incident.lost_phone_guessing" for a in alerts):
        fixes.append(Finding("fix.guessing", {}, "/security/devices"))
        lost_penalty += weights["guessing"]
    return Checkup(score=max(0, 100 - lost_penalty), fixes=fixes, fine=fine)
