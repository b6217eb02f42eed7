"""Server-rendered pages: the owner's security centre (``/security``) and the staff
console (``/staff``), in zh-CN and English, calling the same services as the API.

Not part of the JSON API: every page route is ``include_in_schema=False``, so the
OpenAPI contract (``ROUTE_ERRORS``, the authorisation matrix) does not list them.

Extension points: a new page module defines its ``router`` and adds its entry to
``owner.NAV`` or ``staff.NAV``; ``install`` includes the router (``recovery``: the
public recovery pages; ``approvals``: a trusted contact's approval link).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from walletguard.web import approvals, kit, owner, recovery, staff

ROUTERS = (owner.router, recovery.router, approvals.router, staff.router)


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static/web", StaticFiles(directory=kit.HERE / "static"), name="web-static")

    @app.exception_handler(kit.CsrfRefused)
    async def csrf_refused(request: Request, _: Exception) -> Response:
        p = kit.page(request)
        return p.render("error.html", status=403, message=p.t("form.csrf"))
