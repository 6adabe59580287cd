"""The customer's side of the portal (``/customer/``): invoices, PDFs and disputes.

- ``GET/POST /customer/login``: customer id and access code (``#customer-id
  #access-code #sign-in``).
- ``GET /customer/invoices``: ``table#invoices`` (``tr.invoice[data-invoice]``);
  ``GET /customer/invoices/{number}`` and ``.pdf``.
- ``GET/POST /customer/disputes/new?invoice=``: the dispute form (line checkboxes
  ``input[name=line]``, ``#amount``, ``#text``, ``#attachment``, ``#submit``): amount above
  0 with two decimals at most and not above what is not yet credited, text up to 4,000
  characters, a PDF, PNG or JPEG of at most 5 MiB.
- ``GET /customer/disputes`` and ``/customer/disputes/{id}``: the claim's status
  (``#claim-status``) and the portal's message (``#claim-message``).

A customer sees their own invoices and claims only.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.portal.claims import rules, web
from sandbox.portal.claims.pdf import invoice_pdf
from sandbox.portal.claims.rules import Refused

LOGIN = "/customer/login"
PATH = "/customer"
# the multipart body may carry the file and the form's fields around it
_MAX_BODY = rules.MAX_ATTACHMENT_BYTES + 64 * 1024


async def login_page(request: Request) -> Response:
    msg = web.MESSAGES.get(request.query_params.get("msg", ""), "")
    return web.render(request, "customer_login.html", who=None, notice=msg)


async def login_submit(request: Request) -> Response:
    form = await request.form()
    customer = str(form.get("customer_id") or "").strip().upper()[:20]
    name = web.db(request).customer_login(customer, str(form.get("access_code") or ""))
    if name is None:
        return web.render(request, "customer_login.html", status_code=401, who=None,
                          error="Unknown customer number or access code.")
    return web.sign_in(request, web.CUSTOMER_COOKIE, customer, "/customer/invoices", PATH,
                       name=name)


async def logout(request: Request) -> Response:
    return web.sign_out(request, web.CUSTOMER_COOKIE, LOGIN, PATH)


async def invoices(request: Request) -> Response:
    who = web.customer_session(request)
    if isinstance(who, RedirectResponse):
        return who
    return web.render(request, "customer_invoices.html", who=who,
                      invoices=web.db(request).invoices(who.user),
                      claims=web.db(request).claims(customer_id=who.user))


def _own_invoice(request: Request, who: web.Who, number: str) -> dict[str, Any] | None:
    inv = web.db(request).invoice(number)
    return inv if inv is not None and inv["customer_id"] == who.user else None


async def invoice(request: Request) -> Response:
    who = web.customer_session(request)
    if isinstance(who, RedirectResponse):
        return who
    number = request.path_params["number"]
    inv = _own_invoice(request, who, number)
    if inv is None:
        return web.not_found(request, who, f"Invoice {number}")
    claims_of = [c for c in web.db(request).claims(customer_id=who.user)
                 if c["invoice_number"] == number]
    return web.render(request, "invoice.html", who=who, inv=inv, claims=claims_of,
                      pdf_href=f"/customer/invoices/{number}.pdf", back="/customer/invoices",
                      customer=True)


async def invoice_document(request: Request) -> Response:
    who = web.customer_session(request)
    if isinstance(who, RedirectResponse):
        return who
    number = request.path_params["number"]
    inv = _own_invoice(request, who, number)
    if inv is None:
        return web.not_found(request, who, f"Invoice {number}")
    return web.pdf_response(invoice_pdf(inv), f"{number}.pdf")


def _form_page(request: Request, who: web.Who, number: str, values: dict[str, Any], *,
               error: str = "", status_code: int = 200) -> Response:
    inv = _own_invoice(request, who, number)
    if inv is None:
        return web.not_found(request, who, f"Invoice {number}")
    return web.render(request, "dispute_new.html", status_code=status_code, who=who, inv=inv,
                      values=values, error=error, max_text=rules.MAX_TEXT)


async def dispute_form(request: Request) -> Response:
    who = web.customer_session(request)
    if isinstance(who, RedirectResponse):
        return who
    number = request.query_params.get("invoice", "")[:40]
    return _form_page(request, who, number, {"lines": []})


async def _upload(form: Any) -> tuple[str, bytes] | None:
    upload = form.get("attachment")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(rules.MAX_ATTACHMENT_BYTES + 1)
    return rules.attachment(upload.filename, data), data


async def dispute_submit(request: Request) -> Response:
    who = web.customer_session(request)
    if isinstance(who, RedirectResponse):
        return who
    number = request.query_params.get("invoice", "")[:40]
    values: dict[str, Any] = {"lines": []}
    if int(request.headers.get("content-length") or 0) > _MAX_BODY:
        return _form_page(request, who, number, values, status_code=413,
                          error="Field attachment: the file is larger than 5 MiB "
                                f"({rules.MAX_ATTACHMENT_BYTES} bytes).")
    try:
        form = await web.checked_form(request, who, max_files=1, max_fields=200)
        number = str(form.get("invoice") or number)[:40]
        values = {"amount": str(form.get("amount") or ""), "text": str(form.get("text") or ""),
                  "lines": [str(v) for v in form.getlist("line")]}
        try:
            lines = [int(v) for v in values["lines"]]
        except ValueError:
            raise Refused("Field line: choose lines of this invoice.") from None
        amount = rules.amount(values["amount"])
        text = rules.text(values["text"], "text")
        claim_id = web.db(request).file_claim(who.user, number, amount, text, lines,
                                              await _upload(form))
    except Refused as exc:
        return _form_page(request, who, number, values, error=str(exc), status_code=400)
    return web.see_other(f"/customer/disputes/{claim_id}", done="filed")


async def disputes(request: Request) -> Response:
    who = web.customer_session(request)
    if isinstance(who, RedirectResponse):
        return who
    return web.render(request, "customer_claims.html", who=who,
                      claims=web.db(request).claims(customer_id=who.user))


def _own_claim(request: Request, who: web.Who, claim_id: str) -> dict[str, Any] | None:
    claim = web.db(request).claim(claim_id)
    return claim if claim is not None and claim["customer_id"] == who.user else None


async def dispute(request: Request) -> Response:
    who = web.customer_session(request)
    if isinstance(who, RedirectResponse):
        return who
    claim_id = request.path_params["claim_id"]
    claim = _own_claim(request, who, claim_id)
    if claim is None:
        return web.not_found(request, who, f"Claim {claim_id}")
    filed = request.query_params.get("done") == "filed"
    return web.render(request, "customer_claim.html", who=who, claim=claim,
                      message=f"Thank you: your claim {claim_id} was filed." if filed else "")


async def dispute_attachment(request: Request) -> Response:
    who = web.customer_session(request)
    if isinstance(who, RedirectResponse):
        return who
    claim_id = request.path_params["claim_id"]
    found = web.db(request).attachment(claim_id)
    if _own_claim(request, who, claim_id) is None or found is None:
        return web.not_found(request, who, f"The attachment of claim {claim_id}")
    return web.file_response(*found)


async def home(request: Request) -> Response:
    return RedirectResponse("/customer/invoices", status_code=302)


def routes() -> list[BaseRoute]:
    return [
        Route("/customer/", home),
        Route("/customer/login", login_page, methods=["GET"]),
        Route("/customer/login", login_submit, methods=["POST"]),
        Route("/customer/logout", logout, methods=["GET", "POST"]),
        Route("/customer/invoices", invoices),
        Route("/customer/invoices/{number}.pdf", invoice_document),
        Route("/customer/invoices/{number}", invoice),
        Route("/customer/disputes", disputes),
        Route("/customer/disputes/new", dispute_form, methods=["GET"]),
        Route("/customer/disputes/new", dispute_submit, methods=["POST"]),
        Route("/customer/disputes/{claim_id}", dispute),
        Route("/customer/disputes/{claim_id}/attachment", dispute_attachment),
    ]
