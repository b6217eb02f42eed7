"""The owner's security centre: the public lost-phone report, login with device trust,
and the pages of a logged-in owner. Each handler parses, calls the services the API
calls, and renders."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from walletguard.audit import service as audit
from walletguard.auth import service as auth
from walletguard.auth.principal import Principal, Role
from walletguard.devices import challenges
from walletguard.devices import service as devices
from walletguard.disputes import evidence, pdf
from walletguard.disputes import service as disputes
from walletguard.errors import DomainError, NotFound, StepUpRequired, Unauthenticated
from walletguard.http.deps import PASSWORD_SLOT
from walletguard.identity import service as identity
from walletguard.incidents import service as incidents
from walletguard.payments import owner as wallets
from walletguard.recovery import channel_changes
from walletguard.recovery import service as recovery
from walletguard.restrictions import service as restrictions
from walletguard.web import checkup, kit
from walletguard.web.kit import Page, Refusal
from walletguard.web.recovery import ports as recovery_ports

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends(kit.page)]
Form = Annotated[dict[str, str], Depends(kit.form_of)]

# The owner's pages, in the order of the navigation.
NAV = [("/security/home", "nav.home"), ("/security/devices", "nav.devices"),
       ("/security/settings", "nav.settings"), ("/security/contacts", "nav.contacts"),
       ("/security/checkup", "nav.checkup"), ("/security/recovery", "nav.recovery")]


def signed_in(db: Session, p: Page) -> Principal:
    """The owner this browser is logged in as (any session, confirmed or not); the use
    case it calls decides whether an unconfirmed one may act."""
    token = p.request.cookies.get(kit.OWNER_COOKIE)
    if not token:
        raise Unauthenticated("log in")
    caller = auth.authenticate(db, keys=p.platform.keys, token=token, now=p.platform.clock.now(),
                               policy=p.platform.policy)
    caller.require(Role.OWNER, untrusted_ok=True)
    return caller


def _owner_page(p: Page, template: str, build: Callable[[Session, Principal], dict[str, Any]],
                status: int = 200, **extra: Any) -> Response:
    """Render an owner page, or send the browser where it must go first: the login when
    the session is gone, the step-up when the page needs a confirmed browser."""
    try:
        view = kit.run(p.platform, lambda db: _with_owner(db, p, build))
    except Unauthenticated:
        p.clear_cookies.append(kit.OWNER_COOKIE)
        return p.redirect("/security/login")
    except StepUpRequired:
        return p.redirect("/security/step-up")
    return p.render(template, status=status, nav=NAV, **view, **extra)


def _with_owner(db: Session, p: Page,
                build: Callable[[Session, Principal], dict[str, Any]]) -> dict[str, Any]:
    owner = signed_in(db, p)
    return {"owner": owner, **build(db, owner)}


def _act(p: Page, use_case: Callable[[Session, Principal], object]) -> DomainError | None:
    """Run an owner's action; a refusal is returned for the page to show."""
    try:
        kit.run(p.platform, lambda db: use_case(db, signed_in(db, p)),
                priority=p.on_priority_lane)
    except (Unauthenticated, StepUpRequired):
        raise
    except DomainError as error:
        return error
    return None


def _acting(p: Page, use_case: Callable[[Session, Principal], object],
            done: str, failed: Callable[[Refusal], Response]) -> Response:
    try:
        error = _act(p, use_case)
    except Unauthenticated:
        return p.redirect("/security/login")
    except StepUpRequired:
        return p.redirect("/security/step-up")
    return p.redirect(done) if error is None else failed(Refusal.of(p, error))


# ---- public -----------------------------------------------------------------------------


@router.get("/")
def root(p: PageDep) -> Response:
    return p.redirect("/security")


@router.get("/security")
def landing(p: PageDep) -> Response:
    return p.render("security/landing.html")


@router.get("/lang/{lang}")
def switch_language(lang: str, p: PageDep, next: str | None = None) -> Response:
    if lang in ("zh-CN", "en"):
        p.cookie(kit.LANG_COOKIE, lang, max_age=365 * 86400)
    return p.redirect(kit.safe_next(next, "/security"))


@router.get("/security/report")
def report_form(p: PageDep) -> Response:
    return p.render("security/report.html", error=None, values={})


@router.post("/security/report")
async def report_lost_phone(p: PageDep, form: Form) -> Response:
    """The API's public report, with its rules: one transaction of its own, then the
    same response-time floor for a match and a miss (``LostPhoneReportIn`` in
    incidents/api.py), so the page tells a stranger nothing either."""
    started = time.monotonic()
    platform = p.platform
    report = incidents.LostPhoneReport(phone=form.get("phone", "")[:32],
                                       real_name=form.get("real_name", "")[:100],
                                       id_number_last4=form.get("id_number_last4", "")[:4])
    ip = p.request.client.host if p.request.client else None

    def run() -> incidents.ReportAnswer:
        return kit.run(platform, lambda db: incidents.report_lost_phone(
            db, keys=platform.keys, policy=platform.policy, reporter_ip=ip,
            now=platform.clock.now(), report=report), priority=p.on_priority_lane)

    try:
        answer = await run_in_threadpool(run)
    except DomainError as error:
        # Refused before any account was looked up (the input, the address's allowance):
        # the timing tells nothing, so no floor.
        return p.render("security/report.html", status=error.status,
                        error=Refusal.of(p, error),
                        values={k: form.get(k, "") for k in ("phone", "real_name")})
    floor = platform.policy.lost_phone.response_floor_ms / 1000
    await asyncio.sleep(max(0.0, started + floor - time.monotonic()))
    return p.render("security/reported.html", reference=answer.incident_id)


def _next(target: str | None) -> str:
    """Where the browser goes once logged in and confirmed (a page that sent it to log
    in, such as a trusted contact's approval link); only a path on this site."""
    return kit.safe_next(target, "/security/home")


def _step_up_at(target: str) -> str:
    return "/security/step-up" + ("" if target == "/security/home"
                                  else "?next=" + quote(target, safe=""))


@router.get("/security/login")
def login_form(p: PageDep, next: str | None = None) -> Response:
    return p.render("security/login.html", error=None, phone="", next=_next(next))


# The API's password-hashing slot bounds page logins too: a flood of form posts cannot
# take every core (when none is free in time, the answer is 503 with Retry-After).
@router.post("/security/login", dependencies=[PASSWORD_SLOT])
def log_in(p: PageDep, form: Form) -> Response:
    """Password login from this browser, a device like any other: its id lives in a
    cookie, so the browser is the same device next time; a new one gets an untrusted
    session and the step-up (devices/challenges.py), exactly as the app does."""
    platform = p.platform
    device_id = p.request.cookies.get(kit.DEVICE_COOKIE, "")
    if not kit.is_web_device_id(device_id):
        device_id = kit.new_web_device_id()
    agent = p.request.headers.get("user-agent", "")[:200]
    ip = p.request.client.host if p.request.client else None
    phone = form.get("phone", "")[:32]
    target = _next(form.get("next"))

    def start(db: Session) -> devices.StartedSession:
        return devices.start_session(
            db, keys=platform.keys, policy=platform.policy, phone=phone,
            password=form.get("password", "")[:256], now=platform.clock.now(),
            device=devices.DeviceInfo(id=device_id, name=_browser_name(agent), platform="web",
                                      fingerprint={"user_agent": agent}),
            context=devices.LoginContext(ip=ip, peer_ip=ip))

    try:
        started = kit.run(platform, start)
    except DomainError as error:
        return p.render("security/login.html", status=error.status, phone=phone,
                        error=Refusal.of(p, error), next=target)
    p.cookie(kit.DEVICE_COOKIE, device_id, max_age=kit.DEVICE_COOKIE_DAYS * 86400)
    p.cookie(kit.OWNER_COOKIE, started.token)
    return p.redirect(target if started.trusted else _step_up_at(target))


def _browser_name(agent: str) -> str:
    for name in ("Edg", "Chrome", "Firefox", "Safari"):
        if name in agent:
            return f"{'Edge' if name == 'Edg' else name} (web)"
    return "Browser (web)"


@router.post("/security/logout")
def log_out(p: PageDep, form: Form) -> Response:
    def end(db: Session, owner: Principal) -> None:
        if owner.session_id is not None:
            devices.end_session(db, owner=owner, now=p.platform.clock.now())

    with contextlib.suppress(Unauthenticated, StepUpRequired):
        _act(p, end)
    p.clear_cookies.append(kit.OWNER_COOKIE)
    return p.redirect("/security")


# ---- step-up ------------------------------------------------------------------------------


def _challenge(db: Session, p: Page, owner: Principal) -> challenges.ChallengeView | None:
    if owner.trusted:
        return None
    platform, now = p.platform, p.platform.clock.now()
    challenge_id = owner.challenge_id
    view = None
    if challenge_id is not None:
        view = challenges.challenge_view(db, keys=platform.keys, policy=platform.policy,
                                         carrier=platform.carrier, sms=platform.sms,
                                         owner=owner, challenge_id=challenge_id, now=now)
    return view


def _step_up_view(db: Session, p: Page, owner: Principal) -> dict[str, Any]:
    return {"challenge": _challenge(db, p, owner)}


@router.get("/security/step-up")
def step_up(p: PageDep, next: str | None = None) -> Response:
    return _owner_page(p, "security/step_up.html", lambda db, o: _step_up_view(db, p, o),
                       error=None, next=_next(next))


def _step_up_failed(p: PageDep, target: str) -> Callable[[Refusal], Response]:
    return lambda refusal: _owner_page(p, "security/step_up.html",
                                       lambda db, o: _step_up_view(db, p, o),
                                       status=422, error=refusal, next=target)


@router.post("/security/step-up/again")
def step_up_again(p: PageDep, form: Form) -> Response:
    platform, target = p.platform, _next(form.get("next"))
    return _acting(p, lambda db, owner: challenges.new_challenge(
        db, policy=platform.policy, keys=platform.keys, owner=owner,
        now=platform.clock.now()), _step_up_at(target), _step_up_failed(p, target))


@router.post("/security/step-up/code")
def step_up_send_code(p: PageDep, form: Form) -> Response:
    platform, target = p.platform, _next(form.get("next"))
    return _acting(p, lambda db, owner: challenges.send_code(
        db, keys=platform.keys, policy=platform.policy, sms=platform.sms,
        carrier=platform.carrier, owner=owner, challenge_id=str(owner.challenge_id),
        now=platform.clock.now()), _step_up_at(target), _step_up_failed(p, target))


@router.post("/security/step-up/verify")
def step_up_verify(p: PageDep, form: Form) -> Response:
    platform, target = p.platform, _next(form.get("next"))
    return _acting(p, lambda db, owner: challenges.verify_code(
        db, keys=platform.keys, policy=platform.policy, sms=platform.sms,
        carrier=platform.carrier, owner=owner, challenge_id=str(owner.challenge_id),
        code=form.get("code", "")[:12], pin=form.get("pin", "")[:12],
        now=platform.clock.now(), engine=platform.risk), target, _step_up_failed(p, target))


# ---- home: state, restrictions, freeze, incidents ------------------------------------------


def _home_view(db: Session, p: Page, owner: Principal) -> dict[str, Any]:
    now = p.platform.clock.now()
    me = identity.profile(db, vault=p.platform.keys.vault, user_id=str(owner.user_id))
    active = restrictions.active(db, user_id=me.id, now=now)
    return {
        "me": me, "state": restrictions.state_of(active),
        "restrictions": [{"r": r, "by": restrictions.placed_by_label(r)} for r in active],
        "incidents": incidents.incidents_of(db, actor=owner, user_id=me.id),
        "recovering": bool(recovery.cases_of(db, actor=owner, user_id=me.id,
                                              policy=p.platform.policy,
                                              ports=recovery_ports(p.platform), now=now)),
    }


@router.get("/security/home")
def home(p: PageDep) -> Response:
    return _owner_page(p, "security/home.html", lambda db, o: _home_view(db, p, o), error=None)


@router.post("/security/freeze")
def freeze(p: PageDep, form: Form) -> Response:
    reason = form.get("reason", "").strip() or p.t("home.freeze_default")
    return _acting(p, lambda db, owner: restrictions.owner_freeze(
        db, actor=owner, reason=reason[:200], now=p.platform.clock.now()), "/security/home",
        lambda refusal: _owner_page(p, "security/home.html",
                                    lambda db, o: _home_view(db, p, o), status=422,
                                    error=refusal))


def _incident_view(db: Session, p: Page, owner: Principal, incident_id: str) -> dict[str, Any]:
    """The incident with its checklist; for a confirmed browser also its money side
    (seed 000 §4): the window's transactions to dispute, the disputes, the police report
    and the insurance claims. An unconfirmed one reads none of it (the services' rule:
    amounts of transactions are for trusted sessions)."""
    platform, now = p.platform, p.platform.clock.now()
    view = incidents.incident_view(db, actor=owner, incident_id=incident_id, now=now)
    if not owner.trusted:
        return {"incident": view, "money": None}
    pack = evidence.evidence_pack(db, actor=owner, vault=platform.keys.vault,
                                  policy=platform.policy, incident_id=incident_id, now=now)
    row = incidents.visible_incident(db, actor=owner, incident_id=incident_id)
    return {"incident": view, "money": {
        "transactions": [t for t in pack["transactions"] if t["disputable"]],
        "disputes": [disputes.dispute_view(d) for d in disputes.disputes_of(
            db, actor=owner, incident_id=incident_id)],
        "claims": [disputes.claim_view(db, c, policy=platform.policy) for c in
                   disputes.claims_of(db, actor=owner, incident_id=incident_id)],
        "police": disputes.police_report_view(disputes.police_report_of(db, row)),
        "insurers": disputes.INSURER_TYPES, "documents": disputes.DOCUMENTS}}


def _incident_page(p: Page, incident_id: str, status: int = 200,
                   error: Refusal | None = None, done: str | None = None) -> Response:
    try:
        return _owner_page(p, "security/incident.html",
                           lambda db, o: _incident_view(db, p, o, incident_id),
                           status=status, error=error, done=done)
    except NotFound:
        return p.render("error.html", status=404, message=p.t("error.title"))


INCIDENT_DONE = ("disputed", "police", "claimed", "documents")


@router.get("/security/incidents/{incident_id}")
def incident(incident_id: str, p: PageDep, done: str | None = None) -> Response:
    return _incident_page(p, incident_id, done=done if done in INCIDENT_DONE else None)


def _incident_act(p: Page, incident_id: str, use_case: Callable[[Session, Principal], object],
                  done: str, anchor: str) -> Response:
    """An incident form's use case; a refusal is shown on the incident page."""
    here = f"/security/incidents/{incident_id}"
    try:
        error = _act(p, use_case)
    except Unauthenticated:
        return p.redirect("/security/login?next=" + quote(here, safe=""))
    except StepUpRequired:
        return p.redirect(_step_up_at(here))
    if error is None:
        return p.redirect(f"{here}?done={done}#{anchor}")
    return _incident_page(p, incident_id, status=error.status, error=Refusal.of(p, error))


def _owner_documents(form: dict[str, str]) -> dict[str, str]:
    """The references the owner typed (``doc-<key>``), for the documents only they give."""
    return {key: form[f"doc-{key}"].strip()[:100] for key, doc in disputes.DOCUMENTS.items()
            if doc.source == "owner" and form.get(f"doc-{key}", "").strip()}


@router.post("/security/incidents/{incident_id}/disputes")
def dispute_payments(incident_id: str, p: PageDep, form: Form) -> Response:
    """The ticked payments and transfers (``transfer-<id>``), one dispute each."""
    chosen = [key.removeprefix("transfer-") for key, value in form.items()
              if key.startswith("transfer-") and value == "1"][:disputes.MAX_DISPUTES_AT_ONCE]
    return _incident_act(p, incident_id, lambda db, owner: disputes.open_disputes(
        db, actor=owner, policy=p.platform.policy, incident_id=incident_id,
        transfer_ids=chosen, note=form.get("note", "").strip()[:500] or None,
        now=p.platform.clock.now()), "disputed", "disputes")


@router.post("/security/incidents/{incident_id}/police-report")
def police_report(incident_id: str, p: PageDep, form: Form) -> Response:
    return _incident_act(p, incident_id, lambda db, owner: disputes.record_police_report(
        db, actor=owner, incident_id=incident_id,
        report_number=form.get("report_number", "")[:60],
        station=form.get("station", "").strip()[:100] or None, reported_on=None,
        now=p.platform.clock.now()), "police", "police")


@router.post("/security/incidents/{incident_id}/claims")
def open_claim(incident_id: str, p: PageDep, form: Form) -> Response:
    amount = _amount(form.get("amount")) or 0
    return _incident_act(p, incident_id, lambda db, owner: disputes.open_claim(
        db, actor=owner, policy=p.platform.policy, incident_id=incident_id,
        insurer_type=form.get("insurer_type", "")[:40], amount=amount,
        documents=_owner_documents(form), note=form.get("note", "").strip()[:500] or None,
        now=p.platform.clock.now()), "claimed", "claims")


@router.post("/security/incidents/{incident_id}/claims/{claim_id}/documents")
def claim_documents(incident_id: str, claim_id: str, p: PageDep, form: Form) -> Response:
    return _incident_act(p, incident_id, lambda db, owner: disputes.provide_documents(
        db, actor=owner, incident_id=incident_id, claim_id=claim_id,
        documents=_owner_documents(form), now=p.platform.clock.now()),
        "documents", f"claim-{claim_id}")


@router.get("/security/incidents/{incident_id}/evidence.pdf")
def evidence_pack(incident_id: str, p: PageDep) -> Response:
    """The evidence pack for the police and the insurer, as the API's PDF. A confirmed
    browser only (the service's rule: it lists every transaction, which a session the
    thief may hold must not read); an unconfirmed one is sent to the step-up."""
    platform = p.platform
    try:
        pack = kit.run(platform, lambda db: evidence.evidence_pack(
            db, actor=signed_in(db, p), vault=platform.keys.vault, policy=platform.policy,
            incident_id=incident_id, now=platform.clock.now()))
    except Unauthenticated:
        p.clear_cookies.append(kit.OWNER_COOKIE)
        return p.redirect("/security/login")
    except StepUpRequired:
        return p.redirect("/security/step-up")
    except NotFound:
        return p.render("error.html", status=404, message=p.t("error.title"))
    return p.finish(Response(pdf.render(pack), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="evidence-{incident_id}.pdf"'}))


@router.post("/security/incidents/{incident_id}/checklist/{item_id}")
def tick(incident_id: str, item_id: str, p: PageDep, form: Form) -> Response:
    here = f"/security/incidents/{incident_id}"
    return _acting(p, lambda db, owner: incidents.tick_checklist_item(
        db, actor=owner, incident_id=incident_id, item_id=item_id,
        done=form.get("done") == "1", now=p.platform.clock.now()), here,
        lambda refusal: p.redirect(here))


# ---- devices --------------------------------------------------------------------------------


def _devices_view(db: Session, owner: Principal) -> dict[str, Any]:
    return {"devices": devices.list_devices(db, owner=owner)}


@router.get("/security/devices")
def device_list(p: PageDep, sent: str | None = None) -> Response:
    return _owner_page(p, "security/devices.html", _devices_view, error=None,
                       sent=sent if sent in ("ring", "lost_mode", "wipe", "removed") else None)


@router.post("/security/devices/{device_id}/commands")
def device_command(device_id: str, p: PageDep, form: Form) -> Response:
    kind = form.get("type", "")
    message = form.get("message", "").strip()[:200] or None
    number = form.get("contact_number", "").strip()[:32] or None
    return _acting(p, lambda db, owner: devices.issue_command(
        db, actor=owner, device_id=device_id, type=kind, message=message,
        contact_number=number, now=p.platform.clock.now()),
        f"/security/devices?sent={kind}",
        lambda refusal: _owner_page(p, "security/devices.html", _devices_view, status=422,
                                    error=refusal, sent=None))


@router.post("/security/devices/{device_id}/unbind")
def device_unbind(device_id: str, p: PageDep, form: Form) -> Response:
    return _acting(p, lambda db, owner: devices.unbind_device(
        db, owner=owner, device_id=device_id, now=p.platform.clock.now()),
        "/security/devices?sent=removed",
        lambda refusal: _owner_page(p, "security/devices.html", _devices_view, status=422,
                                    error=refusal, sent=None))


# ---- payment settings -----------------------------------------------------------------------


def _settings_view(db: Session, p: Page, owner: Principal) -> dict[str, Any]:
    return {"wallet": wallets.wallet_view(db, path=p.platform.money, owner=owner,
                                          now=p.platform.clock.now())}


def _amount(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 12 else None


@router.get("/security/settings")
def settings(p: PageDep, saved: str | None = None) -> Response:
    return _owner_page(p, "security/settings.html", lambda db, o: _settings_view(db, p, o),
                       error=None, saved=saved == "1")


def _settings_failed(p: Page) -> Callable[[Refusal], Response]:
    return lambda refusal: _owner_page(p, "security/settings.html",
                                       lambda db, o: _settings_view(db, p, o), status=422,
                                       error=refusal, saved=False)


@router.post("/security/settings/password-free")
def set_password_free(p: PageDep, form: Form) -> Response:
    return _acting(p, lambda db, owner: wallets.set_password_free(
        db, path=p.platform.money, owner=owner, enabled=form.get("enabled") == "1",
        per_payment_limit=_amount(form.get("per_payment_limit")),
        daily_limit=_amount(form.get("daily_limit")), pin=form.get("pin", "")[:12] or None,
        now=p.platform.clock.now()), "/security/settings?saved=1", _settings_failed(p))


@router.post("/security/settings/limits")
def set_daily_limit(p: PageDep, form: Form) -> Response:
    limit = _amount(form.get("daily_limit"))
    if limit is None:
        return _settings_failed(p)(Refusal(code="invalid_input", field="daily_limit",
                                           message=p.t("field.required")))
    return _acting(p, lambda db, owner: wallets.set_daily_limit(
        db, path=p.platform.money, owner=owner, daily_limit=limit,
        pin=form.get("pin", "")[:12] or None, now=p.platform.clock.now()),
        "/security/settings?saved=1", _settings_failed(p))


# ---- trusted contacts -----------------------------------------------------------------------


def _contacts_view(db: Session, p: Page, owner: Principal) -> dict[str, Any]:
    rules = p.platform.policy.trusted_contacts
    return {"contacts": identity.trusted_contacts(db, keys=p.platform.keys, owner=owner),
            "min": rules.min_contacts, "max": rules.max_contacts}


@router.get("/security/contacts")
def contacts(p: PageDep, saved: str | None = None) -> Response:
    return _owner_page(p, "security/contacts.html", lambda db, o: _contacts_view(db, p, o),
                       error=None, saved=saved == "1", values={})


@router.post("/security/contacts")
def set_contacts(p: PageDep, form: Form) -> Response:
    rows = p.platform.policy.trusted_contacts.max_contacts
    entries = [identity.ContactEntry(phone=form.get(f"phone{i}", "").strip()[:32],
                                     relation=form.get(f"relation{i}", "").strip()[:40])
               for i in range(1, rows + 1) if form.get(f"phone{i}", "").strip()]
    # A recovery channel: the same request as the API's (fresh step-up, cooling-off).
    challenge_id = form.get("challenge_id", "").strip()[:40] or None
    return _acting(p, lambda db, owner: channel_changes.request_trusted_contacts(
        db, keys=p.platform.keys, policy=p.platform.policy, owner=owner,
        now=p.platform.clock.now(), contacts=entries, challenge_id=challenge_id),
        "/security/contacts?saved=1",
        lambda refusal: _owner_page(p, "security/contacts.html",
                                    lambda db, o: _contacts_view(db, p, o), status=422,
                                    error=refusal, saved=False, values=form))


# ---- security checkup -----------------------------------------------------------------------


def _checkup_view(db: Session, p: Page, owner: Principal) -> dict[str, Any]:
    now = p.platform.clock.now()
    user_id = str(owner.user_id)
    rules = p.platform.policy.checkup
    alerts = audit.events_for(db, subject=user_id, since=now - timedelta(days=rules.alert_days),
                              actions=checkup.ALERT_ACTIONS, limit=audit.MAX_PAGE).items
    listed = devices.list_devices(db, owner=owner)
    wallet = wallets.wallet_view(db, path=p.platform.money, owner=owner, now=now)
    named = identity.trusted_contacts(db, keys=p.platform.keys, owner=owner)
    active = restrictions.active(db, user_id=user_id, now=now)
    result = checkup.weigh(rules=rules, devices=listed, password_free=wallet["password_free"],
                           contacts=len(named),
                           min_contacts=p.platform.policy.trusted_contacts.min_contacts,
                           alerts=alerts, restricted=bool(active), now=now)
    return {"checkup": result, "alerts": alerts[:20], "devices": listed,
            "wallet": wallet, "contacts": named}


@router.get("/security/checkup")
def security_checkup(p: PageDep) -> Response:
    return _owner_page(p, "security/checkup.html", lambda db, o: _checkup_view(db, p, o))


# ---- recovery requests: "that was not me" --------------------------------------------------


def _recovery_view(db: Session, p: Page, owner: Principal) -> dict[str, Any]:
    return {"cases": recovery.cases_of(db, actor=owner, user_id=str(owner.user_id),
                                       policy=p.platform.policy,
                                       ports=recovery_ports(p.platform),
                                       now=p.platform.clock.now())}


@router.get("/security/recovery")
def recovery_requests(p: PageDep, cancelled: str | None = None) -> Response:
    """Any session of the owner, confirmed or not, sees and cancels them (easy to stop)."""
    return _owner_page(p, "security/recovery_cases.html",
                       lambda db, o: _recovery_view(db, p, o), error=None,
                       cancelled=cancelled == "1")


@router.post("/security/recovery/{case_id}/cancel")
def cancel_recovery(case_id: str, p: PageDep, form: Form) -> Response:
    return _acting(p, lambda db, owner: recovery.cancel(
        db, owner=owner, case_id=case_id, now=p.platform.clock.now()),
        "/security/recovery?cancelled=1",
        lambda refusal: _owner_page(p, "security/recovery_cases.html",
                                    lambda db, o: _recovery_view(db, p, o), status=422,
                                    error=refusal, cancelled=False))
