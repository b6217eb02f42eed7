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
- **new phone**: the owner logs in on a new device (new id and fingerprint) and keeps it.
- **thief with the phone** (label ``takeover``): the unlocked phone is taken; the thief
  pays and transfers large amounts to new payees in a burst, often at night; the owner
  reports the phone lost (``lost_report``) within hours and the thief keeps trying.
- **SIM swap** (``takeover``): the carrier reports a SIM change (``sim_swap``); the
  attacker logs in from a new device elsewhere (often through a VPN or a data centre),
  changes the PIN (``pin_change``) and drains to a new payee.
- **credential stuffing** (``takeover``): logins on many accounts from new devices on
  data-centre, proxy, Tor or VPN addresses, a tenth from residential addresses abroad.

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
    events: list[dict[str, Any]] = field(default_factory=list)


def _line(at: datetime, user: str, kind: str, label: str | None, *, device: str | None = None,
          fingerprint: str | None = None, ip: str | None = None,
          where: tuple[float, float] | None = None, amount: int | None = None,
          payee: str | None = None) -> dict[str, Any]:
    line: dict[str, Any] = {"at": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                            "user": user, "type": kind}
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


def generate(seed: int, owners: int, days: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
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
            if new_phone == d:
                o.device, o.fingerprint = f"dev_{n:04d}_b", f"fp_{n:04d}_b"
                at = day.replace(hour=o.hours[0], minute=5)
                lines.append(_line(at, o.user, "login", "genuine", device=o.device,
                                   fingerprint=o.fingerprint, ip=here_ip,
                                   where=_jitter(rng, where)))
            lines += _genuine_day(rng, o, day, where=where, ip=here_ip, merchants=merchants)
            if d == attack_day:
                if attack < 0.08:
                    stolen = _thief(rng, o, day, where)
                    # From the theft on, the owner no longer has the phone.
                    lines = [x for x in lines if x["user"] != o.user or x["at"] < stolen[0]["at"]]
                    lines += stolen
                    # The owner replaces the phone the next day.
                    new_phone = d + 1
                elif attack < 0.14:
                    lines += _sim_swap(rng, o, day)
                elif attack < 0.30:
                    lines += _stuffing(rng, o, day)
    lines.sort(key=lambda line: line["at"])
    return lines


def _thief(rng: random.Random, o: Owner, day: datetime,
           where: tuple[float, float]) -> list[dict[str, Any]]:
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
    for _ in range(rng.randrange(1, 4)):
        report += timedelta(minutes=rng.randrange(2, 30))
        out.append(_line(report, o.user, "payment", "takeover", device=o.device,
                         fingerprint=o.fingerprint, ip=cn_ip(rng),
                         amount=int(o.typical * rng.uniform(1, 10)), payee=payees[0]))
    return out


def _sim_swap(rng: random.Random, o: Owner, day: datetime) -> list[dict[str, Any]]:
    at = day.replace(hour=rng.randrange(0, 24), minute=rng.randrange(60))
    out = [_line(at, o.user, "sim_swap", None)]
    city = CITIES[rng.choice([c for c in CITIES if c != o.city])]
    device, fp = f"dev_x_{rng.randrange(10**6)}", f"fp_x_{rng.randrange(10**6)}"
    ip = hostile_ip(rng) if rng.random() < 0.5 else cn_ip(rng)
    at += timedelta(minutes=rng.randrange(10, 120))
    out.append(_line(at, o.user, "login", "takeover", device=device, fingerprint=fp, ip=ip,
                     where=city))
    at += timedelta(minutes=rng.randrange(2, 10))
    out.append(_line(at, o.user, "pin_change", "takeover", device=device, fingerprint=fp,
                     ip=ip, where=city))
    mule = f"p_mule_{rng.randrange(10**6)}"
    for _ in range(rng.randrange(1, 4)):
        at += timedelta(minutes=rng.randrange(1, 10))
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
    args = parser.parse_args()
    for line in generate(args.seed, args.owners, args.days):
        sys.stdout.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
