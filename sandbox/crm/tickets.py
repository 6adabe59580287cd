"""The service desk's tickets (sign-in required) and their stable element ids.

- ``GET /crm/tickets?status=open|closed&q=`` list: ``table#ticketList``, ``tr.ticket`` with
  ``data-ticket``; cells number, account, name, category, subject, status.
- ``POST /crm/ticket/open`` (``id`` = customer number, ``category``, ``subject``,
  ``comment``, ``external_ref``) opens one; answers with its page.
- ``GET /crm/ticket?id=4101`` a ticket: ``#ticketNumber``, ``#ticketAccount``,
  ``#ticketCategory``, ``#ticketSubject``, ``#ticketStatus`` (open/closed),
  ``#ticketRef``; comments ``table#comments`` (``tr.comment``: at, author, text); the form
  ``#commentForm`` (``text``, ``#addComment``, ``#closeTicket`` closes it with the comment)
  posting to ``/crm/ticket/comment``; ``.message`` / ``.error`` after a post.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.crm.accounts import CUSTOMER_ID, account_page
from sandbox.crm.db import Refused
from sandbox.crm.web import check_editable, current_user, db, line, note_text, render

__all__ = ["CATEGORIES", "routes"]

CATEGORIES = ("dispute", "billing", "service")


def ticket_page(request: Request, user: str, ticket_id: int, *, message: str = "",
                error: str = "", status_code: int = 200) -> Response:
    found = db(request).ticket(ticket_id)
    return render(request, "ticket.html", user=user, ticket=found, ticket_id=ticket_id,
                  message=message, error=error,
                  status_code=status_code if found is not None else 404)


def _ticket_id(raw: object) -> int:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else 0


async def ticket_list(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    status = request.query_params.get("status", "")
    status = status if status in ("open", "closed") else ""
    q = request.query_params.get("q", "").strip()[:60]
    return render(request, "tickets.html", user=user, tickets=db(request).tickets(status, q),
                  status=status, q=q)


async def show_ticket(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    return ticket_page(request, user, _ticket_id(request.query_params.get("id")))


async def open_ticket(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    form = await request.form()
    customer_id = str(form.get("id") or "").strip().upper()
    if not CUSTOMER_ID.match(customer_id) or db(request).account(customer_id) is None:
        return account_page(request, user, customer_id)
    try:
        check_editable(request, customer_id)
        category = line(form, "category", required=True)
        if category not in CATEGORIES:
            raise Refused(f"Field category: one of {', '.join(CATEGORIES)}.")
        subject = line(form, "subject", required=True)
        comment = note_text(request, str(form.get("comment") or ""), "comment",
                            required=False)
        ticket_id = db(request).open_ticket(customer_id, category, subject, user,
                                            comment=comment,
                                            external_ref=line(form, "external_ref"))
    except Refused as exc:
        return account_page(request, user, customer_id, error=str(exc), status_code=409)
    return ticket_page(request, user, ticket_id, message=f"Ticket {ticket_id} opened.")


async def comment_ticket(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    form = await request.form()
    ticket_id = _ticket_id(form.get("id"))
    found = db(request).ticket(ticket_id)
    if found is None:
        return ticket_page(request, user, ticket_id)
    close = str(form.get("action") or "") == "close"
    try:
        check_editable(request, str(found["customer_id"]))
        text = note_text(request, str(form.get("text") or ""), "text", required=not close)
        if close and found["status"] == "closed":
            raise Refused(f"Ticket {ticket_id} is closed already.")
        db(request).comment(ticket_id, text, user, close=close)
    except Refused as exc:
        return ticket_page(request, user, ticket_id, error=str(exc), status_code=409)
    said = f"Ticket {ticket_id} closed." if close else "Comment added."
    return ticket_page(request, user, ticket_id, message=said)


def routes() -> list[BaseRoute]:
    return [
        Route("/crm/tickets", ticket_list),
        Route("/crm/ticket", show_ticket, methods=["GET"]),
        Route("/crm/ticket/open", open_ticket, methods=["POST"]),
        Route("/crm/ticket/comment", comment_ticket, methods=["POST"]),
    ]
