"""Credit memo requests (``/claims/credit-memos/``, desk login): maker and checker.

- ``GET /claims/credit-memos/new?invoice=..&claim=..``: the request form (``#cm-invoice
  #cm-amount #cm-reason #cm-reference #cm-claim``, ``#cm-request``). A request starts under
  a billing block (``blocked``); a reference already used answers with its request; an
  amount above the invoice's uncredited gross (less what other blocked requests ask) is
  refused.
- ``GET /claims/credit-memos/{id}``: ``#request-id #request-status #credit-memo-number
  #approved-by-value``; release (``#approved-by``, ``#release``: above 1,000.00 two
  approvers' names, none of them the requester) issues ``CM-2026-1nnn`` and marks the
  invoice ``credited`` or ``partially_credited``; reject (``#rejection-reason``,
  ``#reject-request``).
- ``GET /claims/credit-memos?status=blocked|released|rejected|all``: ``table#requests``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.portal.claims import rules, web
from sandbox.portal.claims.db import REQUEST_STATUSES
from sandbox.portal.claims.rules import Refused

DONE = {"created": "Credit memo requested; it waits under a billing block for approval.",
        "existing": "A request with this reference exists already: shown unchanged.",
        "released": "Billing block released: the credit memo is issued.",
        "rejected": "Credit memo request rejected.", "unchanged": "No change."}


async def requests(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    status = request.query_params.get("status", "blocked")
    if status not in (*REQUEST_STATUSES, "all"):
        status = "blocked"
    return web.render(request, "cm_list.html", who=who, status=status,
                      statuses=REQUEST_STATUSES, requests=web.db(request).requests(status))


def _form_page(request: Request, who: web.Who, values: dict[str, Any], *, error: str = "",
               status_code: int = 200) -> Response:
    inv = web.db(request).invoice(str(values.get("invoice") or ""))
    return web.render(request, "cm_new.html", status_code=status_code, who=who, inv=inv,
                      values=values, error=error)


async def new(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    q = request.query_params
    return _form_page(request, who, {"invoice": q.get("invoice", "")[:40],
                                     "claim": q.get("claim", "")[:20]})


async def create(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    values: dict[str, Any] = {}
    try:
        form = await web.checked_form(request, who)
        values = {k: str(form.get(k) or "") for k in
                  ("invoice", "amount", "reason", "reference", "claim")}
        number = rules.short(values["invoice"], "invoice")
        reference = rules.short(values["reference"], "reference")
        amount = rules.amount(values["amount"])
        reason = rules.text(values["reason"], "reason", limit=500)
        claim_id = rules.short(values["claim"], "claim", required=False)
        rid, created = web.db(request).request_credit(number, amount, reason, reference,
                                                      claim_id, who.user)
    except Refused as exc:
        return _form_page(request, who, values, error=str(exc), status_code=400)
    return web.see_other(f"/claims/credit-memos/{rid}",
                         done="created" if created else "existing")


def _request_page(request: Request, who: web.Who, request_id: str, *, error: str = "",
                  status_code: int = 200) -> Response:
    found = web.db(request).request(request_id)
    if found is None:
        return web.not_found(request, who, f"Credit memo request {request_id}")
    done = DONE.get(request.query_params.get("done", ""), "")
    return web.render(request, "cm_request.html", status_code=status_code, who=who,
                      req=found, inv=web.db(request).invoice(found["invoice_number"]),
                      two_above=rules.TWO_APPROVERS_ABOVE, error=error,
                      message="" if error else done)


async def show(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    return _request_page(request, who, request.path_params["request_id"])


async def release(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    request_id = request.path_params["request_id"]
    try:
        form = await web.checked_form(request, who)
        names = rules.approvers(form.get("approved_by"), who.user)
        web.db(request).release(request_id, names, who.user)
    except Refused as exc:
        return _request_page(request, who, request_id, error=str(exc), status_code=400)
    return web.see_other(f"/claims/credit-memos/{request_id}", done="released")


async def reject(request: Request) -> Response:
    who = web.desk_session(request)
    if isinstance(who, RedirectResponse):
        return who
    request_id = request.path_params["request_id"]
    try:
        form = await web.checked_form(request, who)
        reason = rules.text(form.get("reason"), "rejection_reason", limit=500)
        done = web.db(request).reject_request(request_id, reason, who.user)
    except Refused as exc:
        return _request_page(request, who, request_id, error=str(exc), status_code=400)
    return web.see_other(f"/claims/credit-memos/{request_id}", done=done)


def routes() -> list[BaseRoute]:
    return [
        Route("/claims/credit-memos", requests),
        Route("/claims/credit-memos/new", new, methods=["GET"]),
        Route("/claims/credit-memos/new", create, methods=["POST"]),
        Route("/claims/credit-memos/{request_id}", show),
        Route("/claims/credit-memos/{request_id}/release", release, methods=["POST"]),
        Route("/claims/credit-memos/{request_id}/reject", reject, methods=["POST"]),
    ]
