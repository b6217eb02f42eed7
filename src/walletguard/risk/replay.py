"""``walletguard risk replay``: a JSON-lines stream of events run through a policy with
a fresh state, in time order, by the very functions the live engine calls
(``signals.decide`` and ``signals.learn``). With labels, it says what the policy would
have stopped and whom it would have interrupted, before anyone switches it on.

One event a line (times ISO 8601, UTC)::

    {"at", "user", "type", "device": {"id", "fingerprint"}, "ip", "lat"?, "lon"?,
     "amount"?, "payee"?, "label"?: "genuine" | "takeover"}

``sim_swap`` and ``lost_report`` lines are reports about the owner: they change the state
and are not judged (decision ``noted``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from walletguard.adapters.geo import GeoLocator, IpRanges, NoGeo
from walletguard.errors import InvalidInput
from walletguard.policy import RiskPolicy
from walletguard.risk import signals
from walletguard.risk.signals import Event, State


@dataclass(frozen=True)
class Line:
    number: int
    user: str
    event: Event
    label: str | None


@dataclass
class Report:
    events: int = 0
    takeover_events: int = 0
    takeover_stopped: int = 0
    genuine_events: int = 0
    genuine_interrupted: int = 0
    per_rule: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    decisions: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"events": self.events, "takeover_events": self.takeover_events,
                "takeover_stopped": self.takeover_stopped,
                "genuine_events": self.genuine_events,
                "genuine_interrupted": self.genuine_interrupted,
                "per_rule": dict(sorted(self.per_rule.items()))}


def parse(lines: Iterable[str]) -> Iterator[Line]:
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            at = datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
            kind = str(data["type"])
            user = str(data["user"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"line {number}: {exc}") from None
        if kind not in signals.EVENT_TYPES:
            raise InvalidInput(f"line {number}: unknown type {kind!r}")
        device = data.get("device") or {}
        label = data.get("label")
        if label not in (None, "genuine", "takeover"):
            raise InvalidInput(f"line {number}: label must be genuine or takeover")
        yield Line(number=number, user=user, label=label, event=Event(
            at=at if at.tzinfo else at.replace(tzinfo=UTC), type=kind,
            device_id=device.get("id"), fingerprint=device.get("fingerprint"),
            ip=data.get("ip"), lat=data.get("lat"), lon=data.get("lon"),
            amount=data.get("amount"), payee=data.get("payee")))


def replay(lines: Iterable[Line], *, policy: RiskPolicy, env: signals.Settings,
           geo: GeoLocator | None = None, ranges: IpRanges | None = None,
           sensitivity: str | None = None) -> Report:
    """Run the stream in time order (ties in input order) from a fresh state."""
    geo, ranges = geo or NoGeo(), ranges or IpRanges()
    states: dict[str, State] = {}
    report = Report()
    ordered = sorted(lines, key=lambda line: (line.event.at, line.number))
    by_line: dict[int, dict[str, Any]] = {}
    for line in ordered:
        event = line.event
        event = replace(event, country=geo.country(event.ip),
                        ip_kind=ranges.kind_of(event.ip))
        state = states.get(line.user) or State()
        if event.type in signals.SIGNAL_EVENTS:
            states[line.user] = signals.learn(state, event, policy, env)
            by_line[line.number] = {"line": line.number, "decision": "noted", "reasons": []}
            continue
        decision = signals.decide(state, event, policy, env, sensitivity=sensitivity)
        if signals.learned(decision, event.type):
            states[line.user] = signals.learn(state, event, policy, env, decision)
        report.events += 1
        report.outcomes[decision.outcome] += 1
        report.per_rule.update(decision.fired)
        if line.label == "takeover":
            report.takeover_events += 1
            report.takeover_stopped += decision.interrupts
        elif line.label == "genuine":
            report.genuine_events += 1
            report.genuine_interrupted += decision.interrupts
        by_line[line.number] = {"line": line.number, "decision": decision.outcome,
                                "reasons": decision.fired + list(decision.overrides)}
    report.decisions = [by_line[n] for n in sorted(by_line)]
    return report


def table(report: Report) -> str:
    """The confusion table and the per-rule hit counts, for a terminal."""
    def share(part: int, whole: int) -> str:
        return f"{part / whole:.2%}" if whole else "-"

    rows = [f"events judged          {report.events}",
            f"takeover events        {report.takeover_events}",
            f"  stopped              {report.takeover_stopped} "
            f"({share(report.takeover_stopped, report.takeover_events)})",
            f"  missed               {report.takeover_events - report.takeover_stopped}",
            f"genuine events         {report.genuine_events}",
            f"  interrupted          {report.genuine_interrupted} "
            f"({share(report.genuine_interrupted, report.genuine_events)})",
            "decisions              " + ", ".join(f"{k} {v}" for k, v in
                                                 sorted(report.outcomes.items())),
            "rule hits:"]
    rows += [f"  {rule:22} {n}" for rule, n in sorted(report.per_rule.items(),
                                                     key=lambda kv: -kv[1])]
    return "\n".join(rows) + "\n"
