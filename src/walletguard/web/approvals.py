"""A trusted contact's approval link as a page (seed 002 §4; recovery/contacts.py).

The link in the contact's SMS and e-mail points here. Opening it (``GET``) only reads,
through ``contacts.show``: mail scanners and link previews fetch every link, so the page
spends nothing. Deciding (``POST``) calls ``contacts.decide``, which wants the contact's
own confirmed session: a browser that is not logged in is sent to the login, one not yet
confirmed to the step-up, each with ``?next=`` back to this link. The QR code is served
as an SVG of its own (the CSP refuses ``data:`` images).
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from walletguard.errors import DomainError, NotFound, StepUpRequired, Unauthenticated
from walletguard.recovery import contacts
from walletguard.runtime import Platform
from walletguard.web import i18n, kit
from walletguard.web.kit import Page, Refusal
from walletguard.web.owner import signed_in
from walletguard.web.recovery import ports

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends(kit.page)]
Form = Annotated[dict[str, str], Depends(kit.form_of)]

MAX_TOKEN_CHARS = 100  # a case id, a dot and a 32-character nonce fit with room to spare
Decision = Literal["approve", "refuse"]
DECISIONS: dict[str, Decision] = {"approve": "approve", "refuse": "refuse"}


def link_base(platform: Platform) -> str:
    return ports(platform).link_base


def _here(token: str) -> str:
    return f"/security/approvals/{quote(token, safe='')}"


def _show(p: Page, token: str) -> contacts.ApprovalView:
    platform = p.platform
    return kit.run(platform, lambda db: contacts.show(
        db, keys=platform.keys, policy=platform.policy, token=token[:MAX_TOKEN_CHARS],
        link_base=link_base(platform), now=platform.clock.now()))


def _page(p: Page, token: str, view: contacts.ApprovalView, status: int = 200,
          error: Refusal | None = None, decided: str | None = None) -> Response:
    return p.render("security/approval.html", status=status, view=view, error=error,
                    here=_here(token), decided=decided)


def _not_found(p: Page) -> Response:
    return p.render("error.html", status=404, message=p.t("appr.not_found"))


@router.get("/security/approvals/{token}")
def approval(token: str, p: PageDep, decided: str | None = None) -> Response:
    try:
        view = _show(p, token)
    except NotFound:
        return _not_found(p)
    return _page(p, token, view, decided=decided if decided in DECISIONS else None)


@router.get("/security/approvals/{token}/qr.svg")
def approval_qr(token: str, p: PageDep) -> Response:
    """The link as a QR code, for a contact who reads it on a computer and decides on
    their phone; only for a link that exists (the code is the link itself)."""
    try:
        view = _show(p, token)
    except NotFound:
        return _not_found(p)
    return p.finish(Response(contacts.qr_svg_document(view.link),
                             media_type="image/svg+xml"))


@router.post("/security/approvals/{token}")
def decide(token: str, p: PageDep, form: Form) -> Response:
    platform = p.platform
    decision = DECISIONS.get(form.get("decision", ""))
    here = _here(token)
    if decision is None:  # only the page's two buttons send this form
        return p.redirect(here)
    try:
        kit.run(platform, lambda db: contacts.decide(
            db, keys=platform.keys, policy=platform.policy, contact=signed_in(db, p),
            token=token[:MAX_TOKEN_CHARS], decision=decision,
            link_base=link_base(platform), now=platform.clock.now()))
    except Unauthenticated:
        p.clear_cookies.append(kit.OWNER_COOKIE)
        return p.redirect("/security/login?next=" + quote(here, safe=""))
    except StepUpRequired:
        return p.redirect("/security/step-up?next=" + quote(here, safe=""))
    except NotFound:
        return _not_found(p)
    except DomainError as error:
        # Forbidden (not this link's contact) or conflict (spent, voided, expired,
        # closed): the link's state as it is now, with the refusal in words.
        try:
            view = _show(p, token)
        except NotFound:
            return _not_found(p)
        return _page(p, token, view, status=error.status, error=_refusal(p, error))
    return p.redirect(f"{here}?decided={decision}")


def _refusal(p: Page, error: DomainError) -> Refusal:
    refusal = Refusal.of(p, error)
    if error.code == "forbidden":
        return Refusal(code=refusal.code, field=None, message=p.t("appr.not_yours"))
    status = error.extra.get("approval_status")
    if error.code == "conflict" and isinstance(status, str):
        key = f"appr.conflict_{status}"
        return Refusal(code=refusal.code, field=None,
                       message=p.t(key if key in i18n.MESSAGES else "appr.conflict"))
    return refusal
