"""PII never rests in plaintext: not in the SQLite file (and its WAL), not in a
PostgreSQL dump, not in the logs of the in-process app or of a real 2-worker server.
Secrets presented as bearer tokens stay out of both as well.

Every path that carries a phone, a name or an ID number is exercised first:
registration (accepted, refused, duplicated), login (right and wrong password), a
transfer by phone, a public lost-phone report."""

from __future__ import annotations

import logging
import random
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests import factories
from walletguard.runtime import Platform

GIVEN = "静雯婷淑慧敏瑶琳璐"


@dataclass
class Person:
    phone: str
    id_number: str
    real_name: str

    @property
    def national(self) -> str:
        return self.phone.removeprefix("+86")

    def secrets(self) -> dict[str, bytes]:
        """What must never be found, as the bytes a file or a log would hold."""
        return {
            "phone (E.164)": self.phone.encode(),
            "phone (national digits)": self.national.encode(),
            "phone (spaced)": f"{self.national[:3]} {self.national[3:7]}".encode(),
            "ID number": self.id_number.encode(),
            "ID number (birth date and sequence)": self.id_number[6:17].encode(),
            "real name": self.real_name.encode(),
        }


def person() -> Person:
    name = random.choice(["欧阳", "司马", "上官", "诸葛", "东方"]) + "".join(
        random.sample(GIVEN, 2))
    return Person(phone=factories.phone(), id_number=factories.resident_id(), real_name=name)


def exercise(http: httpx.Client | TestClient, people: list[Person]) -> list[str]:
    """Drive every PII-carrying path; return the bearer tokens seen."""
    tokens: list[str] = []
    for p in people:
        body = {"phone": p.national, "password": factories.PASSWORD, "real_name": p.real_name,
                "id_number": p.id_number}
        assert http.post("/v1/users", json=body).status_code == 201
        assert http.post("/v1/users", json=body).status_code == 409
        bad_id = {**body, "phone": factories.phone(), "id_number": p.id_number[:-1] + "0"
                  if p.id_number[-1] != "0" else p.id_number[:-1] + "1"}
        assert http.post("/v1/users", json=bad_id).status_code == 422
        login = {"phone": p.phone, "password": factories.PASSWORD,
                 "device": {"id": f"dev-{len(tokens)}", "name": "phone", "platform": "ios"}}
        assert http.post("/v1/sessions", json={**login, "password": "wrong-password-1"}
                         ).status_code == 401
        started = http.post("/v1/sessions", json=login)
        assert started.status_code == 201, started.text
        tokens.append(started.json()["token"])
        me = http.get("/v1/me", headers={"Authorization": f"Bearer {tokens[-1]}"})
        assert me.status_code == 200
        assert p.national not in me.text and p.real_name not in me.text
    sender = {"Authorization": f"Bearer {tokens[0]}"}
    transfer = http.post("/v1/transfers", headers={**sender, "Idempotency-Key": "pii-t1"},
                         json={"to_phone": people[1].phone, "amount": 100,
                               "auth": {"method": "pin", "pin": factories.PIN}})
    assert transfer.status_code < 500, transfer.text  # refused (no PIN, no money) is fine
    report = http.post("/v1/lost-phone-reports", json={
        "phone": people[1].national, "real_name": people[1].real_name,
        "id_number_last4": people[1].id_number[-4:]})
    assert report.status_code == 202, report.text
    return tokens


def assert_absent(haystack: bytes, people: list[Person], tokens: list[str], where: str) -> None:
    found = [f"{label} {value!r}" for p in people for label, value in p.secrets().items()
             if value in haystack]
    found += [f"bearer token {t[:8]}…" for t in tokens if t.encode() in haystack]
    assert not found, f"in {where}: {found}"


def database_bytes(platform: Platform, database_url: str) -> bytes:
    if platform.db.is_sqlite:
        path = Path(database_url.removeprefix("sqlite:///"))
        files = [path, path.with_name(path.name + "-wal")]  # WAL: recent pages live here
        return b"".join(f.read_bytes() for f in files if f.exists())
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    dump = subprocess.run(["/usr/bin/pg_dump", "--no-owner", url], capture_output=True,
                          check=True, timeout=120)
    return dump.stdout


@pytest.fixture
def people() -> list[Person]:
    return [person() for _ in range(3)]


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def test_pii_and_tokens_never_rest_in_plaintext_in_the_database(
    client: TestClient, platform: Platform, database_url: str, people: list[Person],
) -> None:
    operator = factories.api_key(platform, "operator")
    tokens = [*exercise(client, people), operator]
    assert_absent(database_bytes(platform, database_url), people, tokens, "the database")
    # and the app can still read everything back
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {tokens[0]}"})
    assert me.json()["phone_masked"] == people[0].phone[:-8] + "****" + people[0].phone[-4:]
    name = people[0].real_name
    assert me.json()["name_masked"] == name[0] + "*" * (len(name) - 1)


def test_pii_and_tokens_never_reach_the_in_process_logs(
    client: TestClient, platform: Platform, people: list[Person],
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    tokens = exercise(client, people)
    records = debug_logs.records
    assert records, "DEBUG capture saw nothing: the check would be vacuous"
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in records)
    assert_absent(text.encode(), people, tokens, "the captured logs")


def test_pii_and_tokens_never_reach_the_server_log(
    server: str, platform: Platform, data_dir: Path, people: list[Person],
) -> None:
    with httpx.Client(base_url=server, timeout=30) as http:
        tokens = exercise(http, people)
        # errors the server logs itself: a token that does not exist, a bad body
        assert http.get("/v1/me", headers={"Authorization": f"Bearer {tokens[0]}x"}
                        ).status_code == 401
        assert http.post("/v1/users", content=b"{" + people[0].phone.encode(),
                         headers={"content-type": "application/json"}).status_code == 422
    logs = b"".join(p.read_bytes() for p in data_dir.glob("server-*.log"))
    assert b"walletguard on http://" in logs, "the server log is not where we look"
    assert_absent(logs, people, tokens, "the server log")
