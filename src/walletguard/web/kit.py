"""What every page shares: templates, the language, CSRF, cookies, security headers and
running a use case the way the API edge does (one transaction, refusals shown in words).

Page code parses a form, calls a domain service and renders; it decides nothing itself.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from walletguard.crypto import derive
from walletguard.errors import DomainError
from walletguard.http import admission
from walletguard.runtime import Platform
from walletguard.web import i18n

HERE = Path(__file__).parent
T = TypeVar("T")

OWNER_COOKIE = "wg_owner"
STAFF_COOKIE = "wg_staff"
CSRF_COOKIE = "wg_csrf"
DEVICE_COOKIE = "wg_device"
LANG_COOKIE = "wg_lang"
CASE_COOKIE = "wg_case"
DEVICE_COOKIE_DAYS = 400  # the longest a browser keeps a cookie (RFC 6265bis)

# No inline script or style anywhere: htmx's own indicator style is switched off in
# base.html, and every form works without script (htmx only improves some of them).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

env = Environment(loader=FileSystemLoader(HERE / "templates"),
                  autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                  trim_blocks=True, lstrip_blocks=True)


class CsrfRefused(Exception):
    """A form without this browser's token: answered with a 403 page, nothing done."""


@dataclass
class Page:
    """One request's view of the browser: its language and CSRF token, and the cookies
    the answer must set."""

    request: Request
    lang: str
    csrf_seed: str
    set_cookies: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    clear_cookies: list[str] = field(default_factory=list)

    @property
    def on_priority_lane(self) -> bool:
        """A freeze, lost-phone report or lock placement (``http.admission``)."""
        return admission.is_priority(self.request)

    @property
    def platform(self) -> Platform:
        platform: Platform = self.request.app.state.platform
        return platform

    @property
    def csrf(self) -> str:
        return csrf_token(self.platform, self.csrf_seed)

    def t(self, key: str, **values: Any) -> str:
        return i18n.text(self.lang, key, **values)

    def cookie(self, name: str, value: str, max_age: int | None = None) -> None:
        self.set_cookies[name] = (value, max_age)

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        body = env.get_template(template).render(
            t=self.t, lang=self.lang, csrf=self.csrf, path=self.request.url.path,
            nav=context.pop("nav", None), other_lang=i18n.other(self.lang), **context)
        return self.finish(HTMLResponse(body, status_code=status))

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))

    def finish(self, response: Response) -> Response:
        secure = self.request.url.scheme == "https"
        for name, (value, max_age) in self.set_cookies.items():
            # Lax for the language, Strict for everything that proves who is asking.
            response.set_cookie(name, value, max_age=max_age, httponly=True, secure=secure,
                                samesite="lax" if name == LANG_COOKIE else "strict",
                                path="/")
        for name in self.clear_cookies:
            response.delete_cookie(name, path="/", httponly=True, secure=secure,
                                   samesite="strict")
        response.headers.update(SECURITY_HEADERS)
        return response


def page(request: Request) -> Page:
    """A dependency: the page helper for this request (a fresh CSRF seed if none yet)."""
    seed = request.cookies.get(CSRF_COOKIE, "")
    fresh = not (16 <= len(seed) <= 64 and seed.isascii() and seed.isalnum())
    p = Page(request=request, lang=i18n.choose(request.cookies.get(LANG_COOKIE),
                                               request.headers.get("accept-language")),
             csrf_seed=secrets.token_hex(16) if fresh else seed)
    if fresh:
        p.cookie(CSRF_COOKIE, p.csrf_seed)
    return p


def is_web_device_id(device_id: str) -> bool:
    """This browser's device id as the login page minted it (``new_web_device_id``)."""
    return device_id.startswith("web-") and len(device_id) == 28 and device_id.isascii()


def new_web_device_id() -> str:
    return "web-" + secrets.token_hex(12)


def csrf_token(platform: Platform, seed: str) -> str:
    """The form token for a browser: keyed on its CSRF cookie, which is HttpOnly and
    SameSite=Strict, so another site can neither read the cookie nor compute the token."""
    key = derive(platform.keys.token_key, "walletguard web csrf v1")
    return hmac.new(key, seed.encode(), "sha256").hexdigest()


def seal(platform: Platform, purpose: str, data: dict[str, Any]) -> str:
    """``data`` as cookie text the browser can carry but not alter (keyed per purpose)."""
    body = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()
    key = derive(platform.keys.token_key, f"walletguard web {purpose} v1")
    return body + "." + hmac.new(key, body.encode(), "sha256").hexdigest()


def unseal(platform: Platform, purpose: str, raw: str | None) -> dict[str, Any] | None:
    """What ``seal`` sealed, or None for anything else (missing, altered, malformed)."""
    body, _, tag = (raw or "").rpartition(".")
    key = derive(platform.keys.token_key, f"walletguard web {purpose} v1")
    if not body or not hmac.compare_digest(tag, hmac.new(key, body.encode(),
                                                         "sha256").hexdigest()):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
    except (binascii.Error, ValueError):
        return None
    return data if isinstance(data, dict) else None


async def form_of(request: Request) -> dict[str, str]:
    """The posted form after the CSRF check (every form carries ``csrf``)."""
    raw = await request.form()
    values = {k: v for k, v in raw.items() if isinstance(v, str)}
    seed = request.cookies.get(CSRF_COOKIE, "")
    sent = values.pop("csrf", "")
    if not seed or not hmac.compare_digest(sent, csrf_token(request.app.state.platform, seed)):
        raise CsrfRefused()
    return values


def run(platform: Platform, use_case: Callable[[Session], T], *, priority: bool = False) -> T:
    """One use case in one transaction, committed or rolled back exactly as the API edge
    does (``Database.transaction``); a refusal comes out as the ``DomainError``.
    ``priority``: the page is on the priority lane (``Page.on_priority_lane``), so its
    connection comes from the lane's own pool, as the API's freeze does."""
    with platform.db.transaction(priority=priority) as db:
        return use_case(db)


@dataclass(frozen=True)
class Refusal:
    """A refusal as a form shows it: a sentence in the page's language, next to a field
    when the service named one."""

    code: str
    message: str
    field: str | None

    @classmethod
    def of(cls, p: Page, error: DomainError) -> Refusal:
        raw = error.extra.get("field")
        name = str(raw).rsplit(".", 1)[-1] if raw else None
        return cls(code=error.code, message=i18n.refusal(p.lang, error), field=name)

    def at(self, name: str) -> str | None:
        return self.message if self.field == name else None


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site (never ``//host`` or a scheme) may be a redirect target."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return default
    return target
