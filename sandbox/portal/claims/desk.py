"""The claims desk of the back office (``/claims/``, own login).

- ``GET/POST /claims/login`` (``#username #password #sign-in``); a missing or expired
  session sends every desk page here.
- ``GET /claims/desk?status=new|received|rejected|credited|closed|all`` (``new`` by
  default): ``table#claims``, rows ``tr.claim[data-claim-id]``.
- ``GET /claims/desk/{id}``: the claim, its disputed lines, attachment and the forms
  ``receive`` (``#case-ref-input``), ``reject`` (``#message-input``), ``close``
  (``#note-input``); ``#message`` / ``#error`` after an action.
- ``GET /claims/desk/{id}/attachment``: the customer's file.
- ``GET/POST /claims/desk/register``: the back office registers a dispute that came by
  mail or as a payment deduction (``#reg-invoice #reg-amount #reg-text #reg-channel
  #reg-case-ref``, ``#register``): a claim ``received`` under the case reference, its
  invoice ``disputed``; a case reference registered before shows its claim unchanged.
- ``GET /claims/invoices/{number}`` and ``.pdf``: the invoice with lines, contract prices,
  totals and credit memos.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.portal.claims import rules, web
from sandbox.portal.claims.db import CHANNELS, CLAIM_STATUSES
from sandbox.portal.claims.pdf import invoice_pdf
from sandbox.portal.claims.rules import Refused
from sandbox.slowness import pause

LOGIN = "/claims/login"
PATH = "/claims"
DONE = {"received": "Claim received.", "unchanged": "No change: the claim already is so.",
        "rejected": "Claim rejected; the customer sees the message.",
        "closed": "Claim closed.",
        "registered": "Claim registered under its case; the invoice shows disputed.",
        "existing": "This case reference is registered already: its claim is shown."}


async def login_page(request: Request) -> Response:
    msg = web.MESSAGES.get(request.query_params.get("msg", ""), "")
    return web.render(request, "desk_login.html", who=None, notice=msg)


async def login_submit(request: Request) -> Response:
    form = await request.form()
    creds = request.app.state.scenario.credentials
    user = str(form.get("username") or "").strip()
    if user != creds.disputes_username or form.get("password") != \
            creds.disputes_portal_password:
        return web.render(request, "desk_login.html", status_code=401, who=None,
                          error="Invalid username or password.")
    return web.sign_in(request, web.DESK_COOKIE, user, "/claims/desk", PATH)


async def logout(request: Request) -> Response:
    return web.sign_out(request, web.DESK_COOKIE, LOGIN, PATH)


async def claims(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    await pause(request.app.state.delay_ms, request.app.state.rng)
    status = request.query_params.get("status", "new")
    if status not in (*CLAIM_STATUSES, "all"):
        status = "new"
    return web.render(request, "desk.html", who=who, status=status,
                      statuses=CLAIM_STATUSES, claims=web.db(request).claims(status))


def _claim_page(request: Request, who: web.Who, claim_id: str, *, error: str = "",
                status_code: int = 200) -> Response:
    claim = web.db(request).claim(claim_id)
    if claim is None:
        return web.not_found(request, who, f"Claim {claim_id}")
    done = DONE.get(request.query_params.get("done", ""), "")
    return web.render(request, "claim.html", status_code=status_code, who=who, claim=claim,
                      error=error, message="" if error else done)


async def claim(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    return _claim_page(request, who, request.path_params["claim_id"])


async def _act(request: Request, action: str) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    claim_id = request.path_params["claim_id"]
    store = web.db(request)
    try:
        form = await web.checked_form(request, who)
        if action == "receive":
            done = store.receive(claim_id, rules.short(form.get("case_ref"), "case_ref"),
                                 who.user)
        elif action == "reject":
            done = store.reject(claim_id, rules.text(form.get("message"), "message"), who.user)
        else:
            done = store.close(claim_id, rules.text(form.get("note"), "note", required=False),
                               who.user)
    except Refused as exc:
        return _claim_page(request, who, claim_id, error=str(exc), status_code=400)
    return web.see_other(f"/claims/desk/{claim_id}", done=done)


async def receive(request: Request) -> Response:
    return await _act(request, "receive")


async def reject(request: Request) -> Response:
    return await _act(request, "reject")


async def close(request: Request) -> Response:
    return await _act(request, "close")


def _register_page(request: Request, who: web.Who, values: dict[str, str], *,
                   error: str = "", status_code: int = 200) -> Response:
    return web.render(request, "register.html", status_code=status_code, who=who,
                      values=values, channels=CHANNELS[1:], error=error)


async def register_form(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    q = request.query_params
    return _register_page(request, who, {"invoice": q.get("invoice", "")[:40],
                                         "channel": q.get("channel", "mail")[:20]})


async def register(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    values: dict[str, str] = {}
    try:
        form = await web.checked_form(request, who)
        values = {k: str(form.get(k) or "") for k in
                  ("invoice", "amount", "text", "channel", "case_ref")}
        number = rules.short(values["invoice"], "invoice")
        amount = rules.amount(values["amount"])
        text = rules.text(values["text"], "text")
        case_ref = rules.short(values["case_ref"], "case_ref")
        claim_id, created = web.db(request).register(number, amount, text,
                                                      values["channel"].strip(), case_ref,
                                                      who.user)
    except Refused as exc:
        return _register_page(request, who, values, error=str(exc), status_code=400)
    return web.see_other(f"/claims/desk/{claim_id}",
                         done="registered" if created else "existing")


async def attachment(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    claim_id = request.path_params["claim_id"]
    found = web.db(request).attachment(claim_id)
    if found is None:
        return web.not_found(request, who, f"The attachment of claim {claim_id}")
    return web.file_response(*found)


async def invoice(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    number = request.path_params["number"]
    inv = web.db(request).invoice(number)
    if inv is None:
        return web.not_found(request, who, f"Invoice {number}")
    claims_of = [c for c in web.db(request).claims() if c["invoice_number"] == number]
    return web.render(request, "invoice.html", who=who, inv=inv, claims=claims_of,
                      pdf_href=f"/claims/invoices/{number}.pdf", back="/claims/desk")


async def invoice_document(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    number = request.path_params["number"]
    inv = web.db(request).invoice(number)
    if inv is None:
        return web.not_found(request, who, f"Invoice {number}")
    return web.pdf_response(invoice_pdf(inv), f"{number}.pdf")


async def home(request: Request) -> Response:
    return RedirectResponse("/claims/desk", status_code=302)


def routes() -> list[BaseRoute]:
    return [
        Route("/claims/", home),
        Route("/claims/login", login_page, methods=["GET"]),
        Route("/claims/login", login_submit, methods=["POST"]),
        Route("/claims/logout", logout, methods=["GET", "POST"]),
        Route("/claims/desk", claims),
        Route("/claims/desk/register", register_form, methods=["GET"]),
        Route("/claims/desk/register", register, methods=["POST"]),
        Route("/claims/desk/{claim_id}", claim),
        Route("/claims/desk/{claim_id}/receive", receive, methods=["POST"]),
        Route("/claims/desk/{claim_id}/reject", reject, methods=["POST"]),
        Route("/claims/desk/{claim_id}/close", close, methods=["POST"]),
        Route("/claims/desk/{claim_id}/attachment", attachment),
        Route("/claims/invoices/{number}.pdf", invoice_document),
        Route("/claims/invoices/{number}", invoice),
    ]
