"""Where an address is, offline: the country of an IP (a MaxMind-format file read with
``maxminddb``) and whether it belongs to a VPN, proxy, data-centre or Tor range (CIDR
lists the operator supplies, one network a line). Nothing here calls out: a lookup is a
memory read, cheap enough for the money path.

``MaxMindGeo`` is the real port (GeoLite2-Country, GeoIP2-Country or any MMDB with
``country.iso_code``); ``SandboxGeo`` reads ``{"203.0.113.0/24": "JP"}`` from a JSON file
(demos and tests); ``NoGeo`` knows nothing, and then the unusual-country rule never fires.
"""

from __future__ import annotations

import bisect
import ipaddress
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

IP_LIST_KINDS = ("vpn", "proxy", "datacentre", "tor")
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(value: str | None) -> IpAddress | None:
    if not value:
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


class GeoLocator(Protocol):
    name: str

    def country(self, ip: str | None) -> str | None: ...


@dataclass
class NoGeo:
    name: str = "none"

    def country(self, ip: str | None) -> str | None:
        return None


class MaxMindGeo:
    name = "maxmind"

    def __init__(self, path: Path) -> None:
        import maxminddb

        self._reader = maxminddb.open_database(str(path))

    def country(self, ip: str | None) -> str | None:
        address = parse_ip(ip)
        if address is None:
            return None
        record: Any = self._reader.get(address)
        if not isinstance(record, dict):
            return None
        for key in ("country", "registered_country"):
            found = record.get(key)
            if isinstance(found, dict) and isinstance(found.get("iso_code"), str):
                return str(found["iso_code"])
        return None


class SandboxGeo:
    name = "sandbox"

    def __init__(self, path: Path) -> None:
        mapping: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        self._ranges = IpRanges.of({country: [cidr for cidr, c in mapping.items()
                                              if c == country]
                                    for country in set(mapping.values())})

    def country(self, ip: str | None) -> str | None:
        return self._ranges.kind_of(ip)


@dataclass
class IpRanges:
    """Named CIDR lists as sorted, merged integer intervals: a lookup is one bisect per
    address family, whatever the size of the lists."""

    _starts: dict[int, list[int]] = field(default_factory=dict)
    _spans: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, lists: Mapping[str, Iterable[str]]) -> IpRanges:
        spans: dict[int, list[tuple[int, int, str]]] = {4: [], 6: []}
        for kind, cidrs in lists.items():
            for cidr in cidrs:
                net = ipaddress.ip_network(cidr.strip(), strict=False)
                spans[net.version].append(
                    (int(net.network_address), int(net.broadcast_address), kind))
        ranges = cls()
        for version, found in spans.items():
            found.sort()
            ranges._spans[version] = found
            ranges._starts[version] = [start for start, _end, _kind in found]
        return ranges

    @classmethod
    def from_dir(cls, directory: Path | None) -> IpRanges:
        """``vpn.txt``, ``proxy.txt``, ``datacentre.txt``, ``tor.txt`` (any may be missing);
        ``#`` starts a comment."""
        lists: dict[str, list[str]] = {}
        for kind in IP_LIST_KINDS:
            path = directory / f"{kind}.txt" if directory is not None else None
            if path is not None and path.exists():
                lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
                lists[kind] = [line for line in lines if line]
        return cls.of(lists)

    def kind_of(self, ip: str | None) -> str | None:
        """The list an address is on, or None (nested ranges: the innermost start wins)."""
        address = parse_ip(ip)
        if address is None:
            return None
        value = int(address)
        spans = self._spans.get(address.version, [])
        at = bisect.bisect_right(self._starts.get(address.version, []), value)
        # Ranges may overlap: walk back over the few that start before the address.
        for start, end, kind in reversed(spans[max(0, at - 8):at]):
            if start <= value <= end:
                return kind
        return None
