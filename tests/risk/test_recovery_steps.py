"""Recovery steps judged live, on both databases: every verification and completion is a
``recovery_step`` risk event. A step-up asks the case for more evidence (the recovery
policy's surcharge), a deny refuses the step, a lock places a risk lock."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.factories import ManualPlatform, Owner
from tests.recovery.test_cases import open_case, pass_bank_card, verifier
from walletguard.errors import Conflict, RiskDenied
from walletguard.policy import Policy, RiskPolicy
from walletguard.recovery import service as recovery
from walletguard.recovery.models import RecoveryEvidence
from walletguard.restrictions.models import Restriction
from walletguard.risk.models import RiskDecision
from walletguard.risk.service import RiskEngine


def engine_weighing(platform: ManualPlatform, **weight: float) -> RiskEngine:
    """The platform's engine with other weights for some rules."""
    weights = {**Policy().risk.weights, **weight}
    return RiskEngine(policy=Policy(risk=RiskPolicy(weights=weights)), geo=platform.risk.geo,
                      ranges=platform.risk.ranges)


def ports(platform: ManualPlatform, engine: RiskEngine) -> recovery.Ports:
    return recovery.Ports(bank=platform.bank, identity_verifier=platform.identity_verifier,
                          carrier=platform.carrier, voice=platform.voice_verifier,
                          rp=platform.money.rp, link_base=platform.money.rp.origins[0],
                          risk=engine)


def verify_id_document(platform: ManualPlatform, owner: Owner, case_id: str,
                       engine: RiskEngine) -> recovery.CaseView:
    image = f"doc_{secrets.token_hex(4)}"
    verifier(platform).issue(image, id_number=owner.id_number,
                             expires_on=platform.clock.now().date() + timedelta(days=900),
                             faces={"selfie": 0.93})
    with platform.db.transaction() as db:
        view = recovery.verify(db, keys=platform.keys, policy=platform.policy,
                               ports=ports(platform, engine), case_id=case_id,
                               channel="id_document", now=platform.clock.now(),
                               fields={"document_image": image, "selfie_image": "selfie"})
    assert isinstance(view, recovery.CaseView)
    return view


def recovering_owner(platform: ManualPlatform, client: TestClient) -> tuple[Owner, dict[str, Any]]:
    """An owner who lost the phone, signed in on a new one (its login not judged: the
    engine sees the new phone first in the recovery) and opened a new_device case."""
    owner = factories.register_owner(platform, balance=10_000)
    factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                     device="new-phone")
    return owner, open_case(client, owner.phone, "new_device", device="new-phone")


def recovery_decisions(platform: ManualPlatform, user_id: str) -> list[RiskDecision]:
    with platform.db.transaction() as db:
        return list(db.execute(select(RiskDecision).where(
            RiskDecision.user_id == user_id, RiskDecision.event_type == "recovery_step")
        ).scalars())


def test_an_ordinary_recovery_step_is_judged_and_goes_on(
    platform: ManualPlatform, client: TestClient,
) -> None:
    owner, case = recovering_owner(platform, client)
    # A device never seen (25): allowed, the evidence counts, the bar stays.
    view = verify_id_document(platform, owner, case["id"], platform.risk)
    assert (view.assurance, view.required_assurance) == (50, case["required_assurance"])
    [decision] = recovery_decisions(platform, owner.user_id)
    assert (decision.outcome, decision.reasons) == ("allow", ["new_device"])


def test_a_step_up_on_a_recovery_step_asks_the_case_for_more_evidence(
    platform: ManualPlatform, client: TestClient,
) -> None:
    owner, case = recovering_owner(platform, client)
    view = verify_id_document(platform, owner, case["id"], engine_weighing(platform, new_device=45))
    # The evidence counts, and the bar rises by the recovery policy's surcharge.
    surcharge = platform.policy.recovery.risk_surcharge
    assert (view.assurance, view.required_assurance) == (
        50, case["required_assurance"] + surcharge)
    [decision] = recovery_decisions(platform, owner.user_id)
    assert decision.outcome == "step_up"
    # Evidence enough for the base bar (bank card 40 + ID 50 = 90 ≥ 80) no longer is.
    pass_bank_card(client, platform, owner, case["id"])
    with pytest.raises(Conflict, match="required assurance"), \
            platform.db.transaction() as db:
        recovery.complete(db, keys=platform.keys, policy=platform.policy,
                          ports=ports(platform, platform.risk), case_id=case["id"],
                          new_pin=None, now=platform.clock.now())


def test_a_completion_the_engine_asks_a_step_up_of_needs_more_evidence(
    platform: ManualPlatform, client: TestClient,
) -> None:
    owner, case = recovering_owner(platform, client)
    verify_id_document(platform, owner, case["id"], platform.risk)
    pass_bank_card(client, platform, owner, case["id"])  # 90 ≥ 80
    # The carrier cannot say whether the SIM changed: a signal that weighs on every later
    # event of the owner (here 45: a step-up).
    told = client.post("/v1/carrier-signals", headers=factories.staff_headers(
        platform, "operator"), json={"phone": owner.phone, "event": "unknown",
                                     "at": platform.clock.now().isoformat()})
    assert told.status_code == 202, told.text
    with pytest.raises(Conflict, match="required assurance") as refused, \
            platform.db.transaction() as db:
        recovery.complete(db, keys=platform.keys, policy=platform.policy,
                          ports=ports(platform, engine_weighing(platform, carrier_unknown=45)),
                          case_id=case["id"], new_pin=None, now=platform.clock.now())
    assert refused.value.extra["required_assurance"] == (
        case["required_assurance"] + platform.policy.recovery.risk_surcharge)
    # Judged by the live engine, which asks nothing more, the same case completes.
    first = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
    assert first.status_code == 200 and first.json()["status"] == "delayed", first.text


def test_a_recovery_after_the_replacement_sim_asks_for_more_evidence_not_a_refusal(
    platform: ManualPlatform, client: TestClient,
) -> None:
    owner, case = recovering_owner(platform, client)
    # The owner had the number moved to a new SIM; the carrier says so. On the phone never
    # seen, that is 50 + 25 = 75: a deny by score, but for a recovery step more evidence.
    told = client.post("/v1/carrier-signals", headers=factories.staff_headers(
        platform, "operator"), json={"phone": owner.phone, "event": "sim_swap",
                                     "at": platform.clock.now().isoformat()})
    assert told.status_code == 202, told.text
    view = verify_id_document(platform, owner, case["id"], platform.risk)
    assert view.assurance == 50
    assert view.required_assurance >= case["required_assurance"] + (
        platform.policy.recovery.risk_surcharge)
    [decision] = recovery_decisions(platform, owner.user_id)
    assert (decision.outcome, decision.overrides, decision.score) == (
        "step_up", ["more_evidence"], 75)
    assert set(decision.reasons) == {"sim_swap_recent", "new_device"}


def test_a_recovery_step_the_engine_denies_is_refused_and_adds_no_evidence(
    platform: ManualPlatform, client: TestClient,
) -> None:
    owner, case = recovering_owner(platform, client)
    with pytest.raises(RiskDenied) as refused:
        verify_id_document(platform, owner, case["id"], engine_weighing(platform, new_device=75))
    assert [r["rule"] for r in refused.value.extra["reasons"]] == ["new_device"]
    with platform.db.transaction() as db:
        assert db.execute(select(RecoveryEvidence).where(
            RecoveryEvidence.case_id == case["id"])).first() is None
    [decision] = recovery_decisions(platform, owner.user_id)
    assert decision.outcome == "deny"


def test_a_recovery_step_the_engine_locks_on_places_a_risk_lock(
    platform: ManualPlatform, client: TestClient,
) -> None:
    owner, case = recovering_owner(platform, client)
    with pytest.raises(RiskDenied) as refused:
        verify_id_document(platform, owner, case["id"], engine_weighing(platform, new_device=100))
    with platform.db.transaction() as db:
        lock = db.get(Restriction, (owner.user_id, refused.value.extra["restriction_id"]))
        assert lock is not None and (lock.kind, lock.scope, lock.source) == (
            "lock", "account", "risk")
