"""A seeded generator of labelled event streams for ``walletguard risk replay``.

    python bench/risk_stream.py --seed 1 --owners 60 --days 30 > stream.jsonl

Scenarios (each owner is genuine throughout; some also meet an attacker):

- **at home**: one phone, a home city and a residential address, payments at habitual
  hours (local time, Asia/Shanghai) to a handful of usual merchants, amounts around the
  owner's own typical (log-normal), now and then a new shop or a bigger purchase, a login
  every few days; a few owners always use a VPN.
- **travelling**: a domestic flight or a trip abroad (Tokyo, Bangkok): the first event
  after landing is hours after the last one at home (no impossible travel), then new
  shops, another country's address.
- **new phone**: the owner logs in on a new device (new id and fingerprint) and keeps it;
  minutes later binds it (``device_bind``: the new phone becomes a trusted device,
  approved on the old one or by SMS code + PIN), half of them then bind it for biometric
  payments too (a second ``device_bind``).
- **biometrics**: a few owners at home turn on fingerprint payments on the phone they
  have (a ``device_bind`` of a device the engine knows), once, at a habitual hour.
- **lost phone** (``genuine``): the owner loses the phone one evening (nobody uses it) and
  reports it (``lost_report``); the next morning at home, on a new phone: a login, then a
  recovery (two to four ``recovery_step``: verifications, then the completion that trusts
  the new phone), then a ``device_bind`` (biometrics, or the trusted-device binding when
  the recovery did not trust it); then normal life on the new phone. The owner whose
  phone a thief took (below) recovers the same way the next morning.
  With ``--replacement-sim SHARE``, that share of them first get their number back on a
  new SIM, which the carrier reports as a SIM change (``sim_swap``) 45 minutes before the
  login; off by default (see docs/benchmarks.md for what it does to the replay).
- **thief with the phone** (label ``takeover``): the unlocked phone is taken; the thief
  pays and transfers large amounts to new payees in a burst, often at night; the owner
  reports the phone lost (``lost_report``) within hours and the thief keeps trying: more
  payments, and on the stolen phone a recovery (one to three ``recovery_step``, to reset
  the password or lift the report) or a ``device_bind`` (biometrics, to pay without the
  PIN), each tried by about half the thieves.
- **SIM swap** (``takeover``): the carrier reports a SIM change (``sim_swap``); the
  attacker logs in from a new device elsewhere (often through a VPN or a data centre),
  most run a recovery on it with the SMS codes (one or two ``recovery_step``), change the
  PIN (``pin_change``), most bind the device (``device_bind``), and drain to a new payee.
- **credential stuffing** (``takeover``): logins on many accounts from new devices on
  data-centre, proxy, Tor or VPN addresses, a tenth from residential addresses abroad.

``device_bind`` and ``recovery_step`` lines carry what the live engine gives those events
(``risk.service.judge_device_bind``, ``judge_recovery_step``): the device's id and
fingerprint and its last address, no position. They and the lost-phone scenario draw
from a second random stream (``Random(f"{seed}-binds")``; the replacement SIM from a
third), so the other scenarios' events are the ones the generator made before these two
types existed, except: a recovering owner's events between the login on the new phone and
the end of the recovery are left out (the owner is busy recovering); and the phone that
replaces a stolen one, for an owner who had already changed phones that month, is a third
device (it used to reuse the stolen phone's name, so the engine took the owner's new
phone for the stolen one and interrupted everything the owner did afterwards).

Addresses are the documentation ranges the shipped sample lists and sandbox geolocation
cover (``src/walletguard/data/risk``), so a replay with the default settings sees them.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 9, 1, tzinfo=ZONE)
CITIES = {
    "beijing": (39.90, 116.40), "shanghai": (31.23, 121.47), "guangzhou": (23.13, 113.26),
    "chengdu": (30.67, 104.07), "wuhan": (30.59, 114.30), "xian": (34.34, 108.94),
}
ABROAD = {"tokyo": ((35.68, 139.69), "100.65"), "bangkok": ((13.75, 100.50), "100.66")}


def cn_ip(rng: random.Random) -> str:
    return f"100.64.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def hostile_ip(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return f"203.0.113.{rng.randrange(1, 255)}"       # data centre
    if roll < 0.6:
        return f"198.51.100.{rng.randrange(128, 255)}"    # open proxy
    if roll < 0.75:
        return f"192.0.2.{rng.choice((66, 67))}"          # Tor exit
    if roll < 0.9:
        return f"198.51.100.{rng.randrange(1, 127)}"      # commercial VPN
    return f"100.67.{rng.randrange(256)}.{rng.randrange(1, 255)}"  # residential, abroad


@dataclass
class Owner:
    user: str
    city: str
    device: str
    fingerprint: str
    ip: str
    typical: float
    merchants: list[str]
    hours: list[int]
    vpn: bool
    phones: int = 1
    events: list[dict[str, Any]] = field(default_factory=list)


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _line(at: datetime, user: str, kind: str, label: str | None, *, device: str | None = None,
          fingerprint: str | None = None, ip: str | None = None,
          where: tuple[float, float] | None = None, amount: int | None = None,
          payee: str | None = None) -> dict[str, Any]:
    line: dict[str, Any] = {"at": _utc(at), "user": user, "type": kind}
    if device is not None:
        line["device"] = {"id": device, "fingerprint": fingerprint}
    if ip is not None:
        line["ip"] = ip
    if where is not None:
        line["lat"], line["lon"] = round(where[0], 4), round(where[1], 4)
    if amount is not None:
        line["amount"] = amount
    if payee is not None:
        line["payee"] = payee
    if label is not None:
        line["label"] = label
    return line


def _between(start: datetime, end: datetime, share: float) -> datetime:
    return start + timedelta(seconds=int((end - start).total_seconds() * share))


def _jitter(rng: random.Random, at: tuple[float, float]) -> tuple[float, float]:
    return at[0] + rng.uniform(-0.05, 0.05), at[1] + rng.uniform(-0.05, 0.05)


def _owner(rng: random.Random, n: int) -> Owner:
    city = rng.choice(list(CITIES))
    wake = rng.randrange(7, 10)
    return Owner(user=f"usr_{n:04d}", city=city, device=f"dev_{n:04d}_a",
                 fingerprint=f"fp_{n:04d}_a", ip=cn_ip(rng),
                 typical=math.exp(rng.uniform(math.log(2_000), math.log(30_000))),
                 merchants=[f"m_{rng.randrange(400):03d}" for _ in range(rng.randrange(4, 10))],
                 hours=list(range(wake, min(24, wake + rng.randrange(12, 16)))),
                 vpn=rng.random() < 0.05)


def _genuine_day(rng: random.Random, o: Owner, day: datetime, *, where: tuple[float, float],
                 ip: str, merchants: list[str]) -> list[dict[str, Any]]:
    out = []
    if rng.random() < 0.3:
        at = day.replace(hour=rng.choice(o.hours), minute=rng.randrange(60))
        out.append(_line(at, o.user, "login", "genuine", device=o.device,
                         fingerprint=o.fingerprint, ip=ip, where=_jitter(rng, where)))
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
        at = day.replace(hour=rng.choice(o.hours), minute=rng.randrange(60),
                         second=rng.randrange(60))
        amount = int(o.typical * math.exp(rng.gauss(0, 0.6)))
        if rng.random() < 0.03:
            amount *= rng.randrange(3, 6)  # a bigger purchase now and then
        payee = rng.choice(merchants) if rng.random() > 0.05 else f"m_{rng.randrange(10**6)}"
        kind = "transfer" if rng.random() < 0.15 else "payment"
        out.append(_line(at, o.user, kind, "genuine", device=o.device,
                         fingerprint=o.fingerprint, ip=ip, where=_jitter(rng, where),
                         amount=max(amount, 100), payee=payee))
    return out


def generate(seed: int, owners: int, days: int, *,
             replacement_sim: float = 0.0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    # Bindings and recoveries draw from their own stream: the other events stay the ones
    # the generator made before it wrote these two types.
    binds = random.Random(f"{seed}-binds")
    sims = random.Random(f"{seed}-sims")
    lines: list[dict[str, Any]] = []
    for n in range(owners):
        o = _owner(rng, n)
        home = CITIES[o.city]
        ip = f"198.51.100.{rng.randrange(1, 127)}" if o.vpn else o.ip
        trip = rng.randrange(5, days - 5) if rng.random() < 0.25 else None
        abroad = rng.random() < 0.4
        new_phone = rng.randrange(3, days) if rng.random() < 0.15 else None
        attack = rng.random()
        attack_day = rng.randrange(days // 2, days)
        where_trip = home
        biometrics = binds.randrange(days) if binds.random() < 0.08 else None
        lost = binds.randrange(3, days - 2) if binds.random() < 0.06 else None
        # The lost phone is a quiet evening at home: not on a trip, not while an attacker
        # is at the account, not for an owner already changing phones.
        if lost is not None and (
                new_phone is not None or attack < 0.08
                or (trip is not None and trip - 1 <= lost < trip + 5)
                or (attack < 0.30 and abs(attack_day - lost) <= 2)):
            lost = None
        recovering = False
        phone_rng = rng  # the lost phone's replacement is new: it draws from ``binds``
        for d in range(days):
            day = START + timedelta(days=d)
            where, here_ip, merchants = home, ip, o.merchants
            if trip is not None and trip <= d < trip + 4:
                if abroad:
                    (where, prefix) = ABROAD["tokyo" if n % 2 else "bangkok"]
                    here_ip = f"{prefix}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
                else:
                    where = CITIES[rng.choice([c for c in CITIES if c != o.city])] \
                        if d == trip else where_trip
                merchants = [f"m_trip_{n}_{k}" for k in range(3)]
                if d == trip:
                    where_trip = where
                    # The flight: hours between the last event at home and the first away.
                    arrive = day.replace(hour=o.hours[-1] - 1, minute=30)
                    lines.append(_line(arrive, o.user, "login", "genuine", device=o.device,
                                       fingerprint=o.fingerprint, ip=here_ip,
                                       where=_jitter(rng, where)))
            settled = None  # the end of a new phone's recovery: normal life resumes after it
            if new_phone == d:
                # A second new phone (a theft after a change of phone) is another device:
                # reusing the name made the replacement the stolen phone to the engine.
                o.phones += 1
                phone = "abcdefghij"[o.phones - 1]
                o.device, o.fingerprint = f"dev_{n:04d}_{phone}", f"fp_{n:04d}_{phone}"
                at = day.replace(hour=o.hours[0], minute=5)
                if recovering and sims.random() < replacement_sim:
                    # The number back first: the carrier reports the new SIM as a change.
                    lines.append(_line(at - timedelta(minutes=45), o.user, "sim_swap", None))
                lines.append(_line(at, o.user, "login", "genuine", device=o.device,
                                   fingerprint=o.fingerprint, ip=here_ip,
                                   where=_jitter(phone_rng, where)))
                bound = _bind_new_phone(binds, o, at, ip=here_ip, recovering=recovering)
                lines += bound
                if recovering:
                    settled = bound[-1]["at"]
            today = _genuine_day(rng, o, day, where=where, ip=here_ip, merchants=merchants)
            lines += [x for x in today if settled is None or x["at"] > settled]
            if biometrics == d:
                at = day.replace(hour=binds.choice(o.hours), minute=binds.randrange(60))
                lines.append(_line(at, o.user, "device_bind", "genuine", device=o.device,
                                   fingerprint=o.fingerprint, ip=here_ip))
            if lost == d:
                # Lost one evening, reported before bed; recovered the next morning.
                report = day.replace(hour=o.hours[-1], minute=binds.randrange(60))
                lines = [x for x in lines if x["user"] != o.user or x["at"] < _utc(report)]
                lines.append(_line(report, o.user, "lost_report", None))
                new_phone, recovering, phone_rng = d + 1, True, binds
            if d == attack_day:
                if attack < 0.08:
                    stolen = _thief(rng, o, day, where, binds)
                    # From the theft on, the owner no longer has the phone.
                    lines = [x for x in lines if x["user"] != o.user or x["at"] < stolen[0]["at"]]
                    lines += stolen
                    # The owner replaces the phone the next day.
                    new_phone, recovering = d + 1, True
                elif attack < 0.14:
                    lines += _sim_swap(rng, o, day, binds)
                elif attack < 0.30:
                    lines += _stuffing(rng, o, day)
    lines.sort(key=lambda line: line["at"])
    return lines


def _thief(rng: random.Random, o: Owner, day: datetime, where: tuple[float, float],
           binds: random.Random) -> list[dict[str, Any]]:
    night = rng.random() < 0.6
    at = day.replace(hour=rng.choice((1, 2, 3)) if night else rng.choice(o.hours),
                     minute=rng.randrange(60))
    out: list[dict[str, Any]] = []
    payees = [f"p_mule_{rng.randrange(10**6)}" for _ in range(2)]
    for k in range(rng.randrange(3, 7)):
        at += timedelta(minutes=rng.randrange(1, 6))
        amount = int(o.typical * rng.uniform(8, 40))
        out.append(_line(at, o.user, "transfer" if k % 2 else "payment", "takeover",
                         device=o.device, fingerprint=o.fingerprint, ip=cn_ip(rng),
                         where=_jitter(rng, where), amount=amount, payee=payees[k % 2]))
    report = at + timedelta(hours=rng.uniform(0.5, 5))
    out.append(_line(report, o.user, "lost_report", None))
    reported = report
    for _ in range(rng.randrange(1, 4)):
        report += timedelta(minutes=rng.randrange(2, 30))
        out.append(_line(report, o.user, "payment", "takeover", device=o.device,
                         fingerprint=o.fingerprint, ip=cn_ip(rng),
                         amount=int(o.typical * rng.uniform(1, 10)), payee=payees[0]))
    # The payments refused, the thief tries the phone's other doors.
    at = reported
    if binds.random() < 0.5:
        ip = cn_ip(binds)
        for _ in range(binds.randrange(1, 4)):
            at += timedelta(minutes=binds.randrange(3, 40))
            out.append(_line(at, o.user, "recovery_step", "takeover", device=o.device,
                             fingerprint=o.fingerprint, ip=ip))
    if binds.random() < 0.5:
        at += timedelta(minutes=binds.randrange(3, 40))
        out.append(_line(at, o.user, "device_bind", "takeover", device=o.device,
                         fingerprint=o.fingerprint, ip=cn_ip(binds)))
    return out


def _bind_new_phone(binds: random.Random, o: Owner, login: datetime, *, ip: str,
                    recovering: bool) -> list[dict[str, Any]]:
    """What follows the login on a new phone: a recovery first after a lost phone, then
    the binding(s)."""
    out = []
    at = login
    if recovering:
        for _ in range(binds.randrange(2, 5)):
            at += timedelta(minutes=binds.randrange(2, 15), seconds=binds.randrange(60))
            out.append(_line(at, o.user, "recovery_step", "genuine", device=o.device,
                             fingerprint=o.fingerprint, ip=ip))
    for _ in range(1 if recovering or binds.random() < 0.5 else 2):
        at += timedelta(minutes=binds.randrange(1, 20), seconds=binds.randrange(60))
        out.append(_line(at, o.user, "device_bind", "genuine", device=o.device,
                         fingerprint=o.fingerprint, ip=ip))
    return out


def _sim_swap(rng: random.Random, o: Owner, day: datetime,
              binds: random.Random) -> list[dict[str, Any]]:
    at = day.replace(hour=rng.randrange(0, 24), minute=rng.randrange(60))
    out = [_line(at, o.user, "sim_swap", None)]
    city = CITIES[rng.choice([c for c in CITIES if c != o.city])]
    device, fp = f"dev_x_{rng.randrange(10**6)}", f"fp_x_{rng.randrange(10**6)}"
    ip = hostile_ip(rng) if rng.random() < 0.5 else cn_ip(rng)
    at += timedelta(minutes=rng.randrange(10, 120))
    out.append(_line(at, o.user, "login", "takeover", device=device, fingerprint=fp, ip=ip,
                     where=city))
    login = at
    at += timedelta(minutes=rng.randrange(2, 10))
    # The recovery with the SMS codes runs between the login and the PIN change, the
    # binding between the PIN change and the first transfer: the times drawn before these
    # two types existed stay as they were.
    if binds.random() < 0.7:
        steps = binds.randrange(1, 3)
        for k in range(1, steps + 1):
            out.append(_line(_between(login, at, k / (steps + 1)), o.user, "recovery_step",
                             "takeover", device=device, fingerprint=fp, ip=ip))
    out.append(_line(at, o.user, "pin_change", "takeover", device=device, fingerprint=fp,
                     ip=ip, where=city))
    changed = at
    bind = binds.random() < 0.7
    mule = f"p_mule_{rng.randrange(10**6)}"
    for k in range(rng.randrange(1, 4)):
        at += timedelta(minutes=rng.randrange(1, 10))
        if k == 0 and bind:
            out.append(_line(_between(changed, at, 0.5), o.user, "device_bind", "takeover",
                             device=device, fingerprint=fp, ip=ip))
        out.append(_line(at, o.user, "transfer", "takeover", device=device,
                         fingerprint=fp, ip=ip, where=city,
                         amount=int(o.typical * rng.uniform(5, 30)), payee=mule))
    return out


def _stuffing(rng: random.Random, o: Owner, day: datetime) -> list[dict[str, Any]]:
    at = day.replace(hour=rng.randrange(0, 24), minute=rng.randrange(60))
    out = []
    for _ in range(rng.randrange(1, 4)):
        at += timedelta(minutes=rng.randrange(1, 90))
        out.append(_line(at, o.user, "login", "takeover",
                         device=f"dev_bot_{rng.randrange(10**6)}",
                         fingerprint=f"fp_bot_{rng.randrange(10**6)}", ip=hostile_ip(rng)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--owners", type=int, default=60)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--replacement-sim", type=float, default=0.0, metavar="SHARE",
                        help="share of owners recovering from a lost or stolen phone who get "
                             "their number back on a new SIM first (default 0)")
    args = parser.parse_args()
    for line in generate(args.seed, args.owners, args.days,
                         replacement_sim=args.replacement_sim):
        sys.stdout.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
