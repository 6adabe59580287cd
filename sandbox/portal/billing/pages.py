"""The billing portal's server-rendered pages under ``/billing/`` (login required).

- ``GET/POST /billing/login``: ``#username``, ``#password``, ``#signIn``; ``#loginMessage``.
- ``GET /billing/contracts``: ``table#contracts`` (``tr.contract``, ``data-contract``).
- ``GET /billing/contracts/terms[?contract=]`` and ``GET /billing/contracts/{number}``: the
  terms tables ``#contractLines``, ``#discounts``, ``#amendments``, ``#usage``,
  ``#milestones`` (every row names its contract); the contract page adds its header.
- ``GET /billing/drafts?status=draft|held|released|cancelled|all``: ``table#drafts``.
- ``GET /billing/lines?status=...``: every line of those invoices, ``table#invoiceLines``.
- ``GET /billing/drafts/{number}``: header, ``table#draftLines``, totals, the release
  (multipart ``einvoice``), hold (``reason``) and cancel (``reason``, ``approver``) forms;
  ``#releaseConfirmation`` once released; ``#message`` / ``#error`` after an action.
- ``GET/POST /billing/drafts/{number}/edit``: ``form#editForm``.
- ``GET /billing/drafts/{number}/einvoice.xml``: the XML attached to the release.

Every form carries the session's ``csrf`` token.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from sandbox.billing_scenario import CANCEL_APPROVAL_ABOVE
from sandbox.faults import Sessions
from sandbox.portal.billing.db import OPEN, STATUSES, ActionRefused, BillingDb
from sandbox.portal.billing.edit_form import EditRefused, read_edit
from sandbox.portal.billing.einvoice_check import MAX_BYTES, EInvoiceRefused, check_einvoice
from sandbox.slowness import pause

COOKIE = "billing_session"
MAX_REASON = 500
DONE = {"released": "Invoice released.", "held": "Draft put on hold.",
        "cancelled": "Draft cancelled.", "edited": "Draft saved; totals recomputed."}
_MESSAGES = {"expired": "Your session has expired. Please sign in again.",
             "required": "Please sign in.", "logout": "You have been signed out."}


async def _slow(request: Request) -> None:
    """List pages take the portal's time to build (``FINBOTS_PORTAL_DELAY_MS``)."""
    await pause(request.app.state.delay_ms, request.app.state.rng)


def _db(request: Request) -> BillingDb:
    return request.app.state.billing_db


def _render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    templates: Jinja2Templates = request.app.state.billing_templates
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _session(request: Request) -> tuple[str, str] | RedirectResponse:
    """(user, csrf token), or the redirect to the login page."""
    sessions: Sessions = request.app.state.sessions
    sid = request.cookies.get(COOKIE)
    state = sessions.touch(sid)
    session = sessions.get(sid)
    if state == "ok" and session is not None and "csrf" in session.data:
        return session.user, session.data["csrf"]
    msg = "expired" if state == "expired" else "required"
    return RedirectResponse(f"/billing/login?msg={msg}", status_code=302)


async def login_page(request: Request) -> Response:
    msg = _MESSAGES.get(request.query_params.get("msg", ""), "")
    return _render(request, "login.html", message=msg, user=None)


async def login_submit(request: Request) -> Response:
    form = await request.form()
    creds = request.app.state.scenario.credentials
    user = str(form.get("username") or "").strip()
    if user != creds.billing_username or form.get("password") != creds.billing_portal_password:
        return _render(request, "login.html", status_code=401, user=None,
                       message="Invalid username or password.")
    sid = request.app.state.sessions.create(user, csrf=secrets.token_urlsafe(16))
    response = RedirectResponse("/billing/drafts", status_code=303)
    response.set_cookie(COOKIE, sid, httponly=True, samesite="lax", path="/billing")
    return response


async def logout(request: Request) -> Response:
    request.app.state.sessions.drop(request.cookies.get(COOKIE))
    response = RedirectResponse("/billing/login?msg=logout", status_code=303)
    response.delete_cookie(COOKIE, path="/billing")
    return response


async def contracts(request: Request) -> Response:
    s = _session(request)
    if isinstance(s, RedirectResponse):
        return s
    await _slow(request)
    return _render(request, "contracts.html", user=s[0], contracts=_db(request).contracts())


async def terms(request: Request) -> Response:
    s = _session(request)
    if isinstance(s, RedirectResponse):
        return s
    await _slow(request)
    number = request.query_params.get("contract", "").strip()[:40] or None
    return _render(request, "terms.html", user=s[0], contract=None,
                   terms=_db(request).terms(number))


async def contract(request: Request) -> Response:
    s = _session(request)
    if isinstance(s, RedirectResponse):
        return s
    number = request.path_params["number"]
    found = _db(request).contracts(number)
    if not found:
        return _render(request, "not_found.html", status_code=404, user=s[0],
                       what=f"Contract {number}")
    return _render(request, "terms.html", user=s[0], contract=found[0],
                   terms=_db(request).terms(number))


def _status(request: Request) -> str:
    status = request.query_params.get("status", "draft")
    return status if status in (*STATUSES, "all") else "draft"


async def drafts(request: Request) -> Response:
    s = _session(request)
    if isinstance(s, RedirectResponse):
        return s
    await _slow(request)
    status = _status(request)
    customer = request.query_params.get("customer", "").strip()[:20]
    return _render(request, "drafts.html", user=s[0], status=status, statuses=STATUSES,
                   customer=customer, invoices=_db(request).invoices(status, customer))


async def lines(request: Request) -> Response:
    s = _session(request)
    if isinstance(s, RedirectResponse):
        return s
    await _slow(request)
    status = _status(request)
    return _render(request, "lines.html", user=s[0], status=status,
                   lines=_db(request).lines(status))


def _draft_page(request: Request, user: str, csrf: str, number: str, *, error: str = "",
                status_code: int = 200) -> Response:
    inv = _db(request).invoice(number)
    if inv is None:
        return _render(request, "not_found.html", status_code=404, user=user,
                       what=f"Invoice {number}")
    done = DONE.get(request.query_params.get("done", ""), "")
    return _render(request, "draft.html", status_code=status_code, user=user, csrf=csrf,
                   inv=inv, open=inv["status"] in OPEN, error=error,
                   message="" if error else done, approval_above=CANCEL_APPROVAL_ABOVE)


async def draft(request: Request) -> Response:
    s = _session(request)
    if isinstance(s, RedirectResponse):
        return s
    return _draft_page(request, *s, request.path_params["number"])


def _done(number: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"/billing/drafts/{quote(number)}?done={what}", status_code=303)


async def _checked_form(request: Request, csrf: str) -> Any:
    form = await request.form(max_files=1, max_fields=200)
    if not secrets.compare_digest(str(form.get("csrf") or ""), csrf):
        raise ActionRefused("The form has expired (CSRF token); reload the page.")
    return form


def _reason(form: Any) -> str:
    reason = " ".join(str(form.get("reason") or "").split())
    if not reason or len(reason) > MAX_REASON:
        raise ActionRefused(f"Field reason: a reason of 1 to {MAX_REASON} characters is "
                            "required.")
    return reason


async def release(request: Request) -> Response:
    s = _session(request)
    if isinstance(s, RedirectResponse):
        return s
    user, csrf = s
    number = request.path_params["number"]
    if int(request.headers.get("content-length") or 0) > MAX_BYTES + 64 * 1024:
        return _draft_page(request, user, csrf, number, status_code=413,
                           error=f"Field einvoice: the file is larger than {MAX_BYTES} bytes.")
    try:
        form = await _checked_form(request, csrf)
        upload = form.get("einvoice")
        data = await upload.read(MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
        inv = _db(request).invoice(number)
        if inv is None:
            raise ActionRefused(f"Invoice {number} not found.")
        if inv["status"] not in OPEN:
            raise ActionRefused(f"Invoice {number} is {inv['status']}: it cannot be released.")
        check_einvoice(data, number, Decimal(inv["gross_total"]))
        _db(request).release(number, data, user)
    except (ActionRefused, EInvoiceRefused) as exc:
        return _draft_page(request, user, csrf, number, error=str(exc), status_code=400)
    return _done(number, "released")


async def hold(request: Request) -> Response:
    s = _session(request)
    if isinstance(s, RedirectResponse):
        return s
    user, csrf = s
    number = request.path_params["number"]
    try:
        form = await _checked_form(request, csrf)
        _db(request).hold(number, _reason(form), user)
    except ActionRefused as exc:
        return _draft_page(request, user, csrf, number, error=str(exc), status_code=400)
    return _done(number, "held")


async def cancel(request: Request) -> Response:
    s = _session(request)
    if isinstance(s, RedirectResponse):
        return s
    user, csrf = s
    number = request.path_params["number"]
    try:
        form = await _checked_form(request, csrf)
        approver = " ".join(str(form.get("approver") or "").split())[:100]
        _db(request).cancel(number, _reason(form), approver, user)
    except ActionRefused as exc:
        return _draft_page(request, user, csrf, number, error=str(exc), status_code=400)
    return _done(number, "cancelled")


async def edit_page(request: Request) -> Response:
    s = _session(request)
    if isinstance(s, RedirectResponse):
        return s
    number = request.path_params["number"]
    inv = _db(request).invoice(number)
    if inv is None:
        return _render(request, "not_found.html", status_code=404, user=s[0],
                       what=f"Invoice {number}")
    return _render(request, "edit.html", user=s[0], csrf=s[1], inv=inv, values=None,
                   error="" if inv["status"] in OPEN else f"Invoice {number} is "
                   f"{inv['status']}: it cannot be edited.")


async def edit_submit(request: Request) -> Response:
    s = _session(request)
    if isinstance(s, RedirectResponse):
        return s
    user, csrf = s
    number = request.path_params["number"]
    inv = _db(request).invoice(number)
    if inv is None:
        return _render(request, "not_found.html", status_code=404, user=user,
                       what=f"Invoice {number}")
    form: Any = {}
    try:
        form = await _checked_form(request, csrf)
        header, new_lines = read_edit(form, inv)
        _db(request).update(number, header, new_lines, user)
    except (ActionRefused, EditRefused) as exc:
        return _render(request, "edit.html", status_code=400, user=user, csrf=csrf, inv=inv,
                       values=dict(form), error=str(exc))
    return _done(number, "edited")


async def einvoice(request: Request) -> Response:
    s = _session(request)
    if isinstance(s, RedirectResponse):
        return s
    number = request.path_params["number"]
    data = _db(request).xml(number)
    if data is None:
        return _render(request, "not_found.html", status_code=404, user=s[0],
                       what=f"The e-invoice of {number}")
    return Response(data, media_type="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{quote(number)}.xml"'})


async def home(request: Request) -> Response:
    return RedirectResponse("/billing/drafts", status_code=302)


def routes() -> list[BaseRoute]:
    return [
        Route("/billing/", home),
        Route("/billing/login", login_page, methods=["GET"]),
        Route("/billing/login", login_submit, methods=["POST"]),
        Route("/billing/logout", logout, methods=["POST", "GET"]),
        Route("/billing/contracts", contracts),
        Route("/billing/contracts/terms", terms),
        Route("/billing/contracts/{number}", contract),
        Route("/billing/drafts", drafts),
        Route("/billing/lines", lines),
        Route("/billing/drafts/{number}", draft),
        Route("/billing/drafts/{number}/edit", edit_page, methods=["GET"]),
        Route("/billing/drafts/{number}/edit", edit_submit, methods=["POST"]),
        Route("/billing/drafts/{number}/release", release, methods=["POST"]),
        Route("/billing/drafts/{number}/hold", hold, methods=["POST"]),
        Route("/billing/drafts/{number}/cancel", cancel, methods=["POST"]),
        Route("/billing/drafts/{number}/einvoice.xml", einvoice),
    ]
