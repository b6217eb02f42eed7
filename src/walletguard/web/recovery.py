"""Recovery pages (public: the owner may have lost every device): open a case for a
purpose, verify through the channels the platform offers, complete it, see the security
delay. Each handler calls ``recovery.service`` as the API does.

No account oracle, as in the API: opening a case answers the same for a phone without a
wallet (the service returns a *phantom* case), and the case page is drawn from what the
answers said — a sealed cookie this browser carries — never from a read of the database,
so a real case and a phantom render alike until a verification passes. The cookie is a
snapshot for display only; every action is judged by the service.

Channels are data: the page lists ``recovery.available_channels``, and each channel's
form is the partial ``templates/security/channels/<channel>.html`` when there is one, the
generic ``_generic.html`` (a button that asks the service to start the channel)
otherwise. A new channel is one small partial and its words in ``i18n``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from walletguard.errors import Conflict, DomainError, VerificationFailed
from walletguard.recovery import service as recovery
from walletguard.runtime import Platform
from walletguard.web import kit
from walletguard.web.kit import Page, Refusal

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends(kit.page)]
Form = Annotated[dict[str, str], Depends(kit.form_of)]

SEAL = "recovery case"
# What one channel form may send: a few short fields (the service reads the ones it knows).
MAX_FIELDS, MAX_FIELD_CHARS = 8, 100


def ports(platform: Platform) -> recovery.Ports:
    return recovery.Ports(bank=platform.bank, identity_verifier=platform.identity_verifier,
                          carrier=platform.carrier, voice=platform.voice_verifier,
                          rp=platform.money.rp, link_base=platform.money.rp.origins[0],
                          risk=platform.risk)


@dataclass(frozen=True)
class Snapshot:
    """The case as the service's last answer to this browser described it."""

    id: str
    purpose: str
    status: str
    channels: list[str]
    assurance: int
    required: int
    expires_at: str
    delay_until: str | None = None
    pending: str | None = None  # a channel waiting for its second step (the bank's code)
    done: dict[str, Any] | None = None  # what completion did

    @classmethod
    def of(cls, view: recovery.CaseView, pending: str | None = None) -> Snapshot:
        return cls(id=view.id, purpose=view.purpose, status=view.status,
                   channels=list(view.channels), assurance=view.assurance,
                   required=view.required_assurance, expires_at=view.expires_at.isoformat(),
                   delay_until=view.delay_until.isoformat() if view.delay_until else None,
                   pending=pending)

    def shown(self, now: datetime) -> dict[str, Any]:
        """For the template: times as datetimes, an expiry the service would report."""
        expires = datetime.fromisoformat(self.expires_at)
        status = self.status
        if status in ("open", "review", "delayed") and expires <= now:
            status = "expired"
        return {**asdict(self), "status": status, "expires_at": expires,
                "delay_until": (datetime.fromisoformat(self.delay_until)
                                if self.delay_until else None),
                "percent": min(100, self.assurance * 100 // max(1, self.required))}


def _snapshot(p: Page, case_id: str) -> Snapshot | None:
    data = kit.unseal(p.platform, SEAL, p.request.cookies.get(kit.CASE_COOKIE))
    if data is None or data.get("id") != case_id:
        return None
    try:
        return Snapshot(**data)
    except TypeError:
        return None


def _keep(p: Page, snapshot: Snapshot) -> None:
    hours = p.platform.policy.recovery.case_hours + p.platform.policy.recovery.security_delay_hours
    p.cookie(kit.CASE_COOKIE, kit.seal(p.platform, SEAL, asdict(snapshot)),
             max_age=int(hours * 3600))


def _case_page(p: Page, snapshot: Snapshot | None, status: int = 200,
               error: Refusal | None = None, channel: str | None = None) -> Response:
    now = p.platform.clock.now()
    return p.render("security/recover_case.html", status=status,
                    case=snapshot.shown(now) if snapshot else None, error=error,
                    error_channel=channel)


@router.get("/security/recover")
def start_form(p: PageDep) -> Response:
    return p.render("security/recover.html", error=None, values={},
                    purposes=recovery.PURPOSES)


@router.post("/security/recover")
def start(p: PageDep, form: Form) -> Response:
    """Open a case. A new-device case recovers to this browser: the device id it logs in
    with (the cookie the login page uses), minted here when it has none yet."""
    platform = p.platform
    purpose = form.get("purpose", "")
    phone = form.get("phone", "").strip()[:32]
    device = None
    if purpose == "new_device":
        device_id = p.request.cookies.get(kit.DEVICE_COOKIE, "")
        if not kit.is_web_device_id(device_id):
            device_id = kit.new_web_device_id()
        p.cookie(kit.DEVICE_COOKIE, device_id, max_age=kit.DEVICE_COOKIE_DAYS * 86400)
        device = recovery.RecoveringDevice(id=device_id)
    ip = p.request.client.host if p.request.client else None
    try:
        view = kit.run(platform, lambda db: recovery.open_case(
            db, keys=platform.keys, policy=platform.policy, ports=ports(platform),
            phone=phone, purpose=purpose, device=device, client_ip=ip,
            now=platform.clock.now()))
    except DomainError as error:
        return p.render("security/recover.html", status=error.status,
                        error=Refusal.of(p, error), values={"phone": phone, "purpose": purpose},
                        purposes=recovery.PURPOSES)
    _keep(p, Snapshot.of(view))
    return p.redirect(f"/security/recover/{view.id}")


@router.get("/security/recover/{case_id}")
def follow(case_id: str, p: PageDep) -> Response:
    snapshot = _snapshot(p, case_id)
    return _case_page(p, snapshot, status=200 if snapshot else 404)


def _refused(p: Page, snapshot: Snapshot, error: DomainError,
             channel: str | None = None) -> Response:
    """A refusal, shown where it happened; a case the service says has moved on (review,
    cancelled, expired, completed) is shown as such from now on."""
    moved = error.extra.get("case_status") if isinstance(error, Conflict) else None
    if isinstance(moved, str) and moved != snapshot.status:
        snapshot = replace(snapshot, status=moved, pending=None)
        _keep(p, snapshot)
    refusal = Refusal.of(p, error)
    if isinstance(error, VerificationFailed):
        left = int(error.extra.get("attempts_left", 0))
        refusal = replace(refusal, message=p.t("rec.failed", left=left))
    return _case_page(p, snapshot, status=error.status, error=refusal, channel=channel)


@router.post("/security/recover/{case_id}/verify/{channel}")
def verify(case_id: str, channel: str, p: PageDep, form: Form) -> Response:
    snapshot = _snapshot(p, case_id)
    if snapshot is None:
        return _case_page(p, None, status=404)
    platform = p.platform
    fields = {k: v.strip()[:MAX_FIELD_CHARS] for k, v in list(form.items())[:MAX_FIELDS]
              if v.strip()}
    try:
        view = kit.run(platform, lambda db: recovery.verify(
            db, keys=platform.keys, policy=platform.policy, ports=ports(platform),
            case_id=case_id, channel=channel, fields=fields, now=platform.clock.now()))
    except DomainError as error:
        return _refused(p, snapshot, error, channel)
    if isinstance(view, recovery.Prompt):
        # A channel's first step (approval links sent, …): the case itself is unchanged.
        _keep(p, replace(snapshot, pending=channel))
        return p.redirect(f"/security/recover/{case_id}#channel-{channel}")
    _keep(p, Snapshot.of(view))
    return p.redirect(f"/security/recover/{case_id}#channel-{channel}")


@router.post("/security/recover/{case_id}/complete")
def complete(case_id: str, p: PageDep, form: Form) -> Response:
    """The new PIN is typed twice here (a page check, not a rule); the service judges
    the rest: assurance, the security delay, the PIN's quality."""
    snapshot = _snapshot(p, case_id)
    if snapshot is None:
        return _case_page(p, None, status=404)
    platform = p.platform
    new_pin = form.get("new_pin", "")[:12] or None
    if new_pin is not None and form.get("new_pin_again", "")[:12] != new_pin:
        return _case_page(p, snapshot, status=422, channel="complete",
                          error=Refusal(code="invalid_input", field="new_pin_again",
                                        message=p.t("rec.pin_mismatch")))
    try:
        done = kit.run(platform, lambda db: recovery.complete(
            db, keys=platform.keys, policy=platform.policy, ports=ports(platform),
            case_id=case_id, new_pin=new_pin, now=platform.clock.now()))
    except DomainError as error:
        return _refused(p, snapshot, error, "complete")
    summary = None
    if done.case.status == "completed":
        summary = {"lifted": len(done.lifted), "sessions_ended": done.sessions_ended,
                   "observation_until": (done.observation_until.isoformat()
                                         if done.observation_until else None),
                   "payees_until": (done.new_payees_blocked_until.isoformat()
                                    if done.new_payees_blocked_until else None)}
    _keep(p, replace(Snapshot.of(done.case), done=summary))
    return p.redirect(f"/security/recover/{case_id}")
