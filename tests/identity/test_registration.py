"""Registration (POST /v1/users) and the masked profile (GET /v1/me)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from stdnum.cn import ric

from tests import factories, races
from tests.factories import ManualPlatform
from tests.http.state import row_counts
from walletguard.clock import ManualClock
from walletguard.identity.models import User
from walletguard.runtime import Platform


def registration(**overrides: str) -> dict[str, str]:
    return {"phone": factories.phone(), "password": factories.PASSWORD, "real_name": "陈静",
            "id_number": factories.resident_id(), **overrides}


def log_in(client: TestClient | httpx.Client, phone: str,
           password: str = factories.PASSWORD) -> httpx.Response:
    return client.post("/v1/sessions", json={
        "phone": phone, "password": password,
        "device": {"id": "phone-1", "name": "Mate 60", "platform": "android"}})


def assert_invalid(response: httpx.Response, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["code"] == "invalid_input"
    assert problem["field"] == field, problem
    return problem


def with_check_digit(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


@pytest.mark.parametrize("written", ["13912345678", "139 1234 5678", "139-1234-5678",
                                     "+86 139 1234 5678", "0086 13912345678"])
def test_a_phone_in_national_or_spaced_format_is_stored_as_e164(
    written: str, client: TestClient, platform: Platform,
) -> None:
    created = client.post("/v1/users", json=registration(phone=written))
    assert created.status_code == 201, created.text
    session = log_in(client, "+8613912345678")  # found again through the E.164 blind index
    assert session.status_code == 201, session.text
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {session.json()['token']}"})
    assert me.json()["phone_masked"] == "+86139****5678"
    with platform.db.transaction() as db:
        user = db.get(User, created.json()["id"])
        assert user is not None
        assert platform.keys.vault.open("phone", user.phone_sealed) == "+8613912345678"


@pytest.mark.parametrize("phone", ["12345", "+86 139 1234", "call me maybe", "+999 1234567",
                                   "1391234567890123"])
def test_an_invalid_phone_is_refused_with_the_field_named(
    phone: str, client: TestClient, platform: Platform,
) -> None:
    before = row_counts(platform)
    problem = assert_invalid(client.post("/v1/users", json=registration(phone=phone)), "phone")
    assert phone not in problem["detail"]
    assert row_counts(platform) == before


def test_a_wrong_check_digit_is_refused_and_the_number_is_not_echoed(
    client: TestClient, platform: Platform,
) -> None:
    good = factories.resident_id()
    wrong = good[:-1] + ("1" if good[-1] != "1" else "2")
    problem = assert_invalid(client.post("/v1/users", json=registration(id_number=wrong)),
                             "id_number")
    assert wrong not in problem["detail"] and wrong not in str(problem)


@pytest.mark.parametrize("birth", ["19880231", "19881301", "19880000", "20990101",
                                   "18500101"])
def test_an_impossible_birth_date_is_refused(
    birth: str, client: TestClient, platform: Platform,
) -> None:
    number = with_check_digit(f"110105{birth}001")
    assert_invalid(client.post("/v1/users", json=registration(id_number=number)), "id_number")
    assert row_counts(platform)["users"] == 0


def test_a_birth_date_tomorrow_is_refused_and_today_accepted(
    client: TestClient, platform: Platform, clock: ManualClock,
) -> None:
    today = clock.now().date()
    tomorrow = date.fromordinal(today.toordinal() + 1)
    future = with_check_digit(f"110105{tomorrow:%Y%m%d}001")
    assert_invalid(client.post("/v1/users", json=registration(id_number=future)), "id_number")
    born_today = with_check_digit(f"110105{today:%Y%m%d}001")
    assert client.post("/v1/users", json=registration(id_number=born_today)).status_code == 201


@pytest.mark.parametrize("id_number", ["11010519880512001", "1101051988051200111",
                                       "11010519880512001A", "ABCDEFGHIJKLMNOPQR"])
def test_a_malformed_id_number_is_refused(id_number: str, client: TestClient) -> None:
    response = client.post("/v1/users", json=registration(id_number=id_number))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_input"


def test_a_lower_case_x_check_digit_is_accepted_and_stored_upper_case(
    client: TestClient, platform: Platform,
) -> None:
    for sequence in range(1000):
        number = with_check_digit(f"11010519880512{sequence:03d}")
        if number.endswith("X"):
            break
    created = client.post("/v1/users", json=registration(id_number=number.lower()))
    assert created.status_code == 201, created.text
    with platform.db.transaction() as db:
        user = db.get(User, created.json()["id"])
        assert user is not None
        assert platform.keys.vault.open("id_number", user.id_number_sealed) == number


@pytest.mark.parametrize("password", ["short", "1234567", "12345678", "football",
                                      "password", "Qwertyuiop", "iloveyou", "walletguard1"])
def test_short_or_common_passwords_are_refused(
    password: str, client: TestClient, platform: Platform,
) -> None:
    assert_invalid(client.post("/v1/users", json=registration(password=password)),
                   "password")
    assert row_counts(platform)["users"] == 0


def test_a_password_built_from_the_owners_phone_is_refused(client: TestClient) -> None:
    phone = factories.phone()
    assert_invalid(client.post("/v1/users", json=registration(
        phone=phone, password="x" + phone[-8:] + "!")), "password")


@pytest.mark.parametrize("password", ["correct horse battery", "tr0ub4dor&3x", "Ab1!Ab1!",
                                      "长城长城长城长城", "allloweronlybutlong"])
def test_long_enough_uncommon_passwords_need_no_composition_rules(
    password: str, client: TestClient,
) -> None:
    response = client.post("/v1/users", json=registration(password=password))
    assert response.status_code == 201, response.text


def test_a_password_over_the_limit_is_refused(client: TestClient) -> None:
    assert_invalid(client.post("/v1/users", json=registration(password="x" * 129)),
                   "password")


def test_a_duplicate_phone_is_a_conflict_however_it_is_written(
    client: TestClient, platform: Platform,
) -> None:
    first = client.post("/v1/users", json=registration(phone="13912345678"))
    assert first.status_code == 201
    for written in ("+8613912345678", "139 1234 5678"):
        again = client.post("/v1/users", json=registration(phone=written))
        assert again.status_code == 409, again.text
        assert again.headers["content-type"].startswith("application/problem+json")
        assert again.json()["code"] == "conflict"
        assert "13912345678" not in again.text
    assert row_counts(platform)["users"] == 1


def test_concurrent_duplicate_registrations_make_exactly_one_owner(
    server: str, platform: Platform,
) -> None:
    contenders = 8
    phone = factories.phone()
    barrier = threading.Barrier(contenders)
    served = races.Served()

    def register(http: httpx.Client) -> int:
        body = registration(phone=phone)  # same phone, each with its own ID number
        barrier.wait()
        response = served.saw(http.post("/v1/users", json=body))
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
        return response.status_code

    with (races.clients_on_both_workers(server, contenders) as clients,
          ThreadPoolExecutor(contenders) as pool):
        statuses = sorted(pool.map(register, clients))
    assert statuses == [201] + [409] * (contenders - 1), statuses
    served.assert_both_workers()
    counts = row_counts(platform)
    assert counts["users"] == 1
    assert counts["wallets"] == 1


def test_me_shows_phone_and_name_masked_and_never_the_id_number(
    client: TestClient, platform: Platform,
) -> None:
    owner = factories.register_owner(platform, name="欧阳娜娜")
    me = client.get("/v1/me", headers=owner.headers)
    assert me.status_code == 200
    body = me.json()
    assert body["id"] == owner.user_id
    assert body["phone_masked"] == owner.phone[:-8] + "****" + owner.phone[-4:]
    assert body["name_masked"] == "欧***"
    assert body["state"] and body["restrictions"] == []
    for secret in (owner.phone, owner.phone[3:], owner.id_number, owner.id_number[-4:],
                   "欧阳娜娜"):
        assert secret not in me.text


def test_a_single_character_name_is_fully_masked(
    client: TestClient, platform: Platform,
) -> None:
    owner = factories.register_owner(platform, name="静")
    assert client.get("/v1/me", headers=owner.headers).json()["name_masked"] == "*"


def test_me_needs_an_owner_session(client: TestClient, platform: Platform) -> None:
    assert client.get("/v1/me").status_code == 401
    agent = {"Authorization": f"Bearer {factories.api_key(platform, 'agent')}"}
    forbidden = client.get("/v1/me", headers=agent)
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "forbidden"


def test_sign_ups_from_one_address_are_limited_and_refusals_count_too(
    client: TestClient, platform: ManualPlatform
) -> None:
    limit = platform.policy.login.registrations_per_ip_per_hour
    taken = registration()
    assert client.post("/v1/users", json=taken).status_code == 201
    # Probing for registered phones: each 409 counts toward the limit.
    for _ in range(limit - 1):
        assert client.post("/v1/users", json=taken).status_code == 409
    refused = client.post("/v1/users", json=registration())
    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    assert refused.headers["Retry-After"] == "3600"
    platform.clock.advance(minutes=20)
    later = client.post("/v1/users", json=registration())
    assert later.headers["Retry-After"] == "2400"  # the hour's end, not another hour
    platform.clock.advance(minutes=40, seconds=1)
    assert client.post("/v1/users", json=registration()).status_code == 201
