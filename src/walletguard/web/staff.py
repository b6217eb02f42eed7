"""The staff console: agents, tellers and institutions sign in with their API key; find
a user by phone (the blind index), read the timeline, place and lift restrictions.

The roles are the API's (docs/security.md): the timeline, incidents and placing a freeze
are an agent's; lifting is an agent's or, with the in-person document check, a teller's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from walletguard.audit import service as audit
from walletguard.auth import service as auth
from walletguard.auth.principal import Principal, Role
from walletguard.disputes import service as disputes
from walletguard.errors import DomainError, Forbidden, NotFound, Unauthenticated
from walletguard.identity import service as identity
from walletguard.incidents import service as incidents
from walletguard.recovery import appeals
from walletguard.recovery import service as recovery
from walletguard.restrictions import service as restrictions
from walletguard.web import kit
from walletguard.web.kit import Page, Refusal
from walletguard.web.recovery import ports as recovery_ports

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends(kit.page)]
Form = Annotated[dict[str, str], Depends(kit.form_of)]

CONSOLE = (Role.AGENT, Role.TELLER, Role.INSTITUTION)
FINDS_USERS = (Role.AGENT, Role.TELLER)
ISSUES_CODES = (Role.INSTITUTION,)
WORKS_APPEALS = (Role.AGENT,)
# Staff pages, in the order of the navigation, with the roles that see each.
NAV = [("/staff", "nav.staff_search", FINDS_USERS),
       ("/staff/appeals", "nav.staff_appeals", WORKS_APPEALS),
       ("/staff/disputes", "nav.staff_disputes", WORKS_APPEALS),
       ("/staff/emergency-codes", "nav.staff_codes", ISSUES_CODES)]


def _nav(staff: Principal | None) -> list[tuple[str, str]]:
    return [(href, key) for href, key, roles in NAV if staff is not None and staff.role in roles]
# Timeline events per page, newest first (a screenful on a phone, not the whole history).
TIMELINE_PAGE = 30
DOCUMENT_TYPES = ("resident_id", "passport", "drivers_licence", "electronic_id")


def _staff(db: Session, p: Page) -> Principal:
    key = p.request.cookies.get(kit.STAFF_COOKIE)
    if not key:
        raise Unauthenticated("sign in")
    caller = auth.authenticate(db, keys=p.platform.keys, token=key,
                               now=p.platform.clock.now(),
                               policy=p.platform.policy)
    caller.require(*CONSOLE)
    return caller


def _staff_page(p: Page, template: str, build: Callable[[Session, Principal], dict[str, Any]],
                status: int = 200, **extra: Any) -> Response:
    try:
        view = kit.run(p.platform, lambda db: _with_staff(db, p, build))
    except (Unauthenticated, Forbidden):
        p.clear_cookies.append(kit.STAFF_COOKIE)
        return p.redirect("/staff/login")
    except NotFound:
        return p.render("error.html", status=404, message=p.t("staff.no_match"))
    return p.render(template, status=status, nav=_nav(view["staff"]), **view, **extra)


def _with_staff(db: Session, p: Page,
                build: Callable[[Session, Principal], dict[str, Any]]) -> dict[str, Any]:
    staff = _staff(db, p)
    return {"staff": staff, **build(db, staff)}


@router.get("/staff/login")
def login_form(p: PageDep) -> Response:
    return p.render("staff/login.html", error=None)


@router.post("/staff/login")
def sign_in(p: PageDep, form: Form) -> Response:
    key = form.get("api_key", "").strip()[:200]

    def check(db: Session) -> Principal:
        caller = auth.authenticate(db, keys=p.platform.keys, token=key,
                                   now=p.platform.clock.now(),
                                   policy=p.platform.policy)
        if not key.startswith(auth.API_KEY_PREFIX):
            raise Unauthenticated("a staff API key is needed")
        caller.require(*CONSOLE)
        return caller

    try:
        kit.run(p.platform, check)
    except DomainError as error:
        return p.render("staff/login.html", status=error.status, error=Refusal.of(p, error))
    # The key itself, HttpOnly and SameSite=Strict, for the browser's session only: it is
    # looked up on every request, so revoking it (walletguard keys revoke) ends this too.
    p.cookie(kit.STAFF_COOKIE, key)
    return p.redirect("/staff")


@router.post("/staff/logout")
def sign_out(p: PageDep, form: Form) -> Response:
    p.clear_cookies.append(kit.STAFF_COOKIE)
    return p.redirect("/staff/login")


@router.get("/staff")
def console(p: PageDep) -> Response:
    """The search for agents and tellers; an institution's first page is its codes."""
    try:
        role = kit.run(p.platform, lambda db: _staff(db, p).role)
    except (Unauthenticated, Forbidden):
        p.clear_cookies.append(kit.STAFF_COOKIE)
        return p.redirect("/staff/login")
    if role == Role.INSTITUTION:
        return p.redirect("/staff/emergency-codes")
    return _staff_page(p, "staff/search.html", lambda db, s: {}, error=None, phone="")


@router.post("/staff/search")
def search(p: PageDep, form: Form) -> Response:
    """By phone through the blind index; the phone travels in the body, never in a URL
    that access logs keep."""
    phone = form.get("phone", "").strip()[:32]

    def find(db: Session, staff: Principal) -> dict[str, Any]:
        staff.require(*FINDS_USERS)
        user = identity.find_by_phone(db, vault=p.platform.keys.vault, phone=phone)
        return {"found": user.id if user else None}

    try:
        found = kit.run(p.platform, lambda db: find(db, _staff(db, p)))["found"]
    except (Unauthenticated, Forbidden):
        return p.redirect("/staff/login")
    if found is None:
        return p.render("staff/search.html", status=404, nav=_nav(None), phone=phone,
                        staff=None, error=Refusal(code="not_found", field="phone",
                                                  message=p.t("staff.no_match")))
    return p.redirect(f"/staff/users/{found}")


def _user_view(db: Session, p: Page, staff: Principal, user_id: str,
               before: int | None = None) -> dict[str, Any]:
    staff.require(*FINDS_USERS)
    now = p.platform.clock.now()
    profile = identity.profile(db, vault=p.platform.keys.vault, user_id=user_id)
    active = restrictions.active(db, user_id=user_id, now=now)
    agent = staff.role == Role.AGENT
    return {
        "profile": profile, "state": restrictions.state_of(active), "restrictions": active,
        "timeline": audit.events_for(db, subject=user_id, before=before,
                                     limit=TIMELINE_PAGE) if agent else None,
        "incidents": incidents.incidents_of(db, actor=staff, user_id=user_id) if agent
        else None,
        "cases": recovery.cases_of(db, actor=staff, user_id=user_id,
                                   policy=p.platform.policy, ports=recovery_ports(p.platform),
                                   now=now),
        "document_types": DOCUMENT_TYPES,
    }


@router.get("/staff/users/{user_id}")
def user_page(user_id: str, p: PageDep, done: str | None = None,
              before: str | None = None) -> Response:
    """``before``: the timeline's "older" link, the id of the oldest event shown."""
    older_than = int(before) if before and before.isdigit() and len(before) <= 18 else None
    return _staff_page(p, "staff/user.html",
                       lambda db, s: _user_view(db, p, s, user_id, older_than),
                       error=None, done=done, values={}, before=older_than)


def _failed(p: Page, user_id: str, form: dict[str, str]) -> Callable[[Refusal], Response]:
    return lambda refusal: _staff_page(p, "staff/user.html",
                                       lambda db, s: _user_view(db, p, s, user_id),
                                       status=422, error=refusal, done=None, values=form,
                                       before=None)


def _staff_act(p: Page, use_case: Callable[[Session, Principal], object], done: str,
               failed: Callable[[Refusal], Response]) -> Response:
    try:
        kit.run(p.platform, lambda db: use_case(db, _staff(db, p)),
                priority=p.on_priority_lane)
    except Unauthenticated:
        return p.redirect("/staff/login")
    except DomainError as error:
        return failed(Refusal.of(p, error))
    return p.redirect(done)


@router.post("/staff/users/{user_id}/restrictions")
def place(user_id: str, p: PageDep, form: Form) -> Response:
    scope = form.get("scope", "account")
    return _staff_act(p, lambda db, staff: restrictions.agent_freeze(
        db, actor=staff, user_id=user_id,
        scope=restrictions.Scope(scope if scope in ("account", "payments") else "account"),
        reason=form.get("reason", "")[:200], now=p.platform.clock.now()),
        f"/staff/users/{user_id}?done=placed", _failed(p, user_id, form))


@router.post("/staff/users/{user_id}/restrictions/{restriction_id}/lift")
def lift(user_id: str, restriction_id: str, p: PageDep, form: Form) -> Response:
    """The teller's form carries the document seen at the counter (seed 004); the
    service refuses a teller's lift without it and records the check."""
    document = None
    if form.get("document_type"):
        document = restrictions.DocumentEvidence(
            document_type=form.get("document_type", "")[:40],
            document_number=form.get("document_number", "")[:40],
            branch=form.get("branch", "")[:100])
    ticket = form.get("evidence", "").strip()[:100]

    def run(db: Session, staff: Principal) -> object:
        found = restrictions.get_for_owner(db, owner=staff, restriction_id=restriction_id)
        if found.user_id != user_id:
            raise NotFound("no such restriction")
        return restrictions.lift(db, actor=staff, restriction_id=restriction_id,
                                 reason=form.get("reason", "")[:200],
                                 evidence={"ticket": ticket} if ticket else None,
                                 document=document, policy=p.platform.policy,
                                 keys=p.platform.keys, now=p.platform.clock.now())

    return _staff_act(p, run, f"/staff/users/{user_id}?done=lifted",
                      _failed(p, user_id, form))


@router.post("/staff/users/{user_id}/recovery-cases/{case_id}/branch-check")
def branch_check(user_id: str, case_id: str, p: PageDep, form: Form) -> Response:
    """The teller saw the owner's document at the counter (seed 004): recorded as the
    case's evidence, which also takes a case out of manual review."""
    document = restrictions.DocumentEvidence(
        document_type=form.get("document_type", "")[:40],
        document_number=form.get("document_number", "")[:40],
        branch=form.get("branch", "")[:100])
    platform = p.platform

    def run(db: Session, staff: Principal) -> object:
        if not any(c.id == case_id for c in recovery.cases_of(
                db, actor=staff, user_id=user_id, policy=platform.policy,
                ports=recovery_ports(platform), now=platform.clock.now())):
            raise NotFound("no such recovery case")
        return recovery.branch_verify(db, keys=platform.keys, policy=platform.policy,
                                      ports=recovery_ports(platform), actor=staff,
                                      case_id=case_id, document=document,
                                      now=platform.clock.now())

    return _staff_act(p, run, f"/staff/users/{user_id}?done=checked#case-{case_id}",
                      _failed(p, user_id, {**form, "case_id": case_id}))


# ---- emergency payment codes (institutions, seed 002 §8) -------------------------------------


def _codes_view(db: Session, p: Page, staff: Principal) -> dict[str, Any]:
    staff.require(*ISSUES_CODES)
    return {"document_types": DOCUMENT_TYPES,
            "max_amount": p.platform.policy.recovery.emergency_code_max,
            "hours": p.platform.policy.recovery.emergency_code_hours}


@router.get("/staff/emergency-codes")
def codes_form(p: PageDep) -> Response:
    return _staff_page(p, "staff/emergency_code.html", lambda db, s: _codes_view(db, p, s),
                       error=None, values={}, issued=None)


@router.post("/staff/emergency-codes")
def issue_code(p: PageDep, form: Form) -> Response:
    """The desk checked the owner's ID document in person and records what it saw; the
    code is in this answer only (the service keeps its keyed digest), so a reload that
    posts again issues another code, as a retry of the API does."""
    phone = form.get("phone", "").strip()[:32]
    raw_amount = form.get("amount", "").strip()
    amount = int(raw_amount) if raw_amount.isdigit() and len(raw_amount) <= 12 else 0
    document = restrictions.DocumentEvidence(
        document_type=form.get("document_type", "")[:40],
        document_number=form.get("document_number", "")[:40],
        branch=form.get("branch", "")[:100])
    platform = p.platform

    def issue(db: Session, staff: Principal) -> recovery.IssuedCode:
        staff.require(*ISSUES_CODES)
        user = identity.find_by_phone(db, vault=platform.keys.vault, phone=phone)
        if user is None:
            raise NotFound("no user has this phone number", field="phone")
        return recovery.issue_emergency_code(
            db, keys=platform.keys, policy=platform.policy, actor=staff, user_id=user.id,
            document_checked=form.get("document_checked") == "1", amount=amount,
            document=document, now=platform.clock.now())

    try:
        issued = kit.run(platform, lambda db: issue(db, _staff(db, p)))
    except (Unauthenticated, Forbidden):
        return p.redirect("/staff/login")
    except DomainError as error:
        kept = {k: form.get(k, "") for k in ("phone", "amount", "document_type", "branch")}
        return _staff_page(p, "staff/emergency_code.html",
                           lambda db, s: _codes_view(db, p, s), status=error.status,
                           error=Refusal.of(p, error), values=kept, issued=None)
    return _staff_page(p, "staff/emergency_code.html", lambda db, s: _codes_view(db, p, s),
                       error=None, values={}, issued=issued)


# ---- the appeal queue (agents, seed 002 §5) ---------------------------------------------------


def _appeals_view(db: Session, p: Page, staff: Principal) -> dict[str, Any]:
    return {"items": appeals.queue(db, actor=staff, now=p.platform.clock.now()),
            "decisions": appeals.DECISIONS}


@router.get("/staff/appeals")
def appeal_queue(p: PageDep, done: str | None = None) -> Response:
    """Soonest due first; an appeal past its SLA is marked overdue (the service's flag)."""
    return _staff_page(p, "staff/appeals.html", lambda db, s: _appeals_view(db, p, s),
                       error=None, error_for=None, values={},
                       done=done if done in appeals.DECISIONS else None)


@router.post("/staff/appeals/{appeal_id}/decision")
def decide_appeal(appeal_id: str, p: PageDep, form: Form) -> Response:
    """One agent's step: recommend, approve or reject; the service holds maker-checker
    (the recommending agent cannot approve), and the page shows its refusal in place."""
    platform = p.platform
    return _staff_act(p, lambda db, staff: appeals.decide(
        db, policy=platform.policy, actor=staff, appeal_id=appeal_id,
        decision=form.get("decision", "")[:20], note=form.get("note", "").strip()[:500],
        now=platform.clock.now()),
        f"/staff/appeals?done={quote(form.get('decision', '')[:20])}#appeal-{appeal_id}",
        lambda refusal: _staff_page(p, "staff/appeals.html",
                                    lambda db, s: _appeals_view(db, p, s),
                                    status=_status_of(refusal), error=refusal,
                                    error_for=appeal_id, values=form, done=None))


def _status_of(refusal: Refusal) -> int:
    return {"forbidden": 403, "conflict": 409, "not_found": 404, "illegal_transition": 409,
            "documents_missing": 409}.get(refusal.code, 422)


# ---- disputes and claims (agents, seed 000 §4) ------------------------------------------------


def _disputes_view(db: Session, p: Page, staff: Principal) -> dict[str, Any]:
    """What still needs an agent's step (a final dispute or claim has no next step)."""
    policy = p.platform.policy
    listed = [disputes.dispute_view(d) for d in disputes.dispute_queue(db, actor=staff,
                                                                        status=None)]
    claims = [disputes.claim_view(db, c, policy=policy)
              for c in disputes.claim_queue(db, actor=staff, status=None)]
    return {"disputes": [d for d in listed if d["next"]],
            "claims": [c for c in claims if c["next"]]}


def _disputes_page(p: Page, status: int = 200, error: Refusal | None = None,
                   error_for: str | None = None, done: str | None = None) -> Response:
    return _staff_page(p, "staff/disputes.html", lambda db, s: _disputes_view(db, p, s),
                       status=status, error=error, error_for=error_for, done=done)


@router.get("/staff/disputes")
def dispute_queues(p: PageDep, done: str | None = None) -> Response:
    return _disputes_page(p, done=done if done in ("dispute", "claim") else None)


@router.post("/staff/disputes/{dispute_id}/move")
def move_dispute(dispute_id: str, p: PageDep, form: Form) -> Response:
    return _staff_act(p, lambda db, staff: disputes.move_dispute(
        db, actor=staff, dispute_id=dispute_id, to=form.get("to", "")[:20],
        note=form.get("note", "").strip()[:500] or None, now=p.platform.clock.now()),
        "/staff/disputes?done=dispute",
        lambda refusal: _disputes_page(p, status=_status_of(refusal), error=refusal,
                                       error_for=dispute_id))


@router.post("/staff/claims/{claim_id}/move")
def move_claim(claim_id: str, p: PageDep, form: Form) -> Response:
    """Sending a claim to the insurer needs every document: the refusal names them."""
    return _staff_act(p, lambda db, staff: disputes.move_claim(
        db, actor=staff, claim_id=claim_id, to=form.get("to", "")[:20],
        note=form.get("note", "").strip()[:500] or None, now=p.platform.clock.now()),
        "/staff/disputes?done=claim",
        lambda refusal: _disputes_page(p, status=_status_of(refusal), error=refusal,
                                       error_for=claim_id))
