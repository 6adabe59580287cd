"""The service desk's account pages (sign-in required) and their stable element ids.

- ``GET /crm/accounts?q=`` list: ``table#accounts``, one ``tr.account`` per account with
  ``data-customer``; cells ``td.customerId`` (link), ``td.name``, ``td.standing``,
  ``td.openBalance``, ``td.owner``.
- ``GET /crm/account?id=C1006`` account: ``#customerId``, ``#accountName``, ``#owner``,
  the finance fields ``#standing``, ``#openBalance``, ``#currency``, ``#lastPaymentDate``,
  ``#lastPaymentAmount``, ``#creditHold`` (Yes/No), ``#refundPending``, ``#financeCase``,
  ``#financeStatus``, ``#openDisputes`` (open dispute tickets, counted by the desk),
  ``#lockBanner`` when another user holds it; notes ``table#notes`` (``tr.note``: at,
  author, text, external reference); tickets ``table#tickets`` (``tr.ticket``: number,
  category, subject, status, external reference); forms ``#noteForm`` (``text``,
  ``external_ref``, ``#addNote``) and ``#ticketForm`` (``category``, ``subject``,
  ``comment``, ``external_ref``, ``#openTicket``); ``.message`` / ``.error`` after a post.
- ``GET /crm/account/edit?id=`` the finance form ``#financeForm``: one input per finance
  field (``standing`` and ``credit_hold`` are selects), an optional change note ``note``
  with its ``note_ref``, ``#saveFinance``; posting it saves the fields and the note in one
  transaction and answers with the account page.
"""

from __future__ import annotations

import datetime as dt
import re

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.crm.db import FINANCE_FIELDS, STANDINGS, Refused, money_text
from sandbox.crm.web import check_editable, current_user, db, line, note_text, render

__all__ = ["account_page", "routes"]

CUSTOMER_ID = re.compile(r"^C\d{1,6}$")


async def account_list(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    q = request.query_params.get("q", "").strip()[:60]
    return render(request, "accounts.html", user=user, accounts=db(request).search(q), q=q)


def account_page(request: Request, user: str, customer_id: str, *, message: str = "",
                 error: str = "", status_code: int = 200) -> Response:
    found = db(request).account(customer_id) if CUSTOMER_ID.match(customer_id) else None
    if found is None:
        return render(request, "account.html", user=user, account=None,
                      customer_id=customer_id, status_code=404)
    locked = customer_id in request.app.state.faults.locked_accounts
    return render(request, "account.html", user=user, account=found, locked=locked,
                  message=message, error=error, status_code=status_code)


async def show_account(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    return account_page(request, user, request.query_params.get("id", "").strip().upper())


async def edit_form(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    customer_id = request.query_params.get("id", "").strip().upper()
    found = db(request).account(customer_id) if CUSTOMER_ID.match(customer_id) else None
    if found is None:
        return account_page(request, user, customer_id)
    return render(request, "edit.html", user=user, account=found, standings=STANDINGS,
                  values=found, error="")


def _finance_changes(form: dict[str, str]) -> dict[str, str]:
    """The posted finance fields as the desk stores them; Refused naming a wrong one."""
    out: dict[str, str] = {}
    standing = form.get("standing", "").strip()
    if standing not in STANDINGS:
        raise Refused(f"Field standing: one of {', '.join(STANDINGS)}.")
    out["standing"] = standing
    out["open_balance"] = money_text(form.get("open_balance", ""), "open_balance",
                                     allow_empty=False)
    day = form.get("last_payment_date", "").strip()
    if day:
        try:
            day = dt.date.fromisoformat(day).isoformat()
        except ValueError:
            raise Refused("Field last_payment_date: a date like 2026-11-20 is required.") \
                from None
    out["last_payment_date"] = day
    out["last_payment_amount"] = money_text(form.get("last_payment_amount", ""),
                                            "last_payment_amount")
    hold = form.get("credit_hold", "").strip().lower()
    if hold not in ("yes", "no"):
        raise Refused("Field credit_hold: yes or no.")
    out["credit_hold"] = "1" if hold == "yes" else "0"
    out["refund_pending"] = money_text(form.get("refund_pending", ""), "refund_pending")
    for name in ("finance_case", "finance_status"):
        text = " ".join(form.get(name, "").split())
        if len(text) > 200:
            raise Refused(f"Field {name}: at most 200 characters.")
        out[name] = text
    assert set(out) == set(FINANCE_FIELDS)
    return out


async def save_finance(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    form = await request.form()
    customer_id = str(form.get("id") or "").strip().upper()
    found = db(request).account(customer_id) if CUSTOMER_ID.match(customer_id) else None
    if found is None:
        return account_page(request, user, customer_id)
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        check_editable(request, customer_id)
        changes = _finance_changes(values)
        note = note_text(request, values.get("note", ""), "note", required=False)
        ref = line(form, "note_ref")
        if ref and not note:
            raise Refused("Field note: a note is required with an external reference.")
        changed = db(request).update_finance(customer_id, changes, user, note=note,
                                             note_ref=ref)
    except Refused as exc:
        shown = {**found, **values}
        return render(request, "edit.html", user=user, account=found, standings=STANDINGS,
                      values=shown, error=str(exc), status_code=409)
    said = (f"Finance fields saved ({', '.join(changed)})." if changed
            else "No finance field changed.")
    return account_page(request, user, customer_id,
                        message=said + (" Note added." if note else ""))


async def add_note(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    form = await request.form()
    customer_id = str(form.get("id") or "").strip().upper()
    if not CUSTOMER_ID.match(customer_id) or db(request).account(customer_id) is None:
        return account_page(request, user, customer_id)
    try:
        check_editable(request, customer_id)
        text = note_text(request, str(form.get("text") or ""), "text", required=True)
        db(request).add_note(customer_id, text, user, line(form, "external_ref"))
    except Refused as exc:
        return account_page(request, user, customer_id, error=str(exc), status_code=409)
    return account_page(request, user, customer_id, message="Note added.")


def routes() -> list[BaseRoute]:
    return [
        Route("/crm/accounts", account_list),
        Route("/crm/account", show_account, methods=["GET"]),
        Route("/crm/account/edit", edit_form, methods=["GET"]),
        Route("/crm/account/edit", save_finance, methods=["POST"]),
        Route("/crm/account/note", add_note, methods=["POST"]),
    ]
