"""The ERP's working pages: open items (+ CSV export), payment inquiry (with each posting's
documents), customer lookup popup and the cash-receipt form with its confirmation page
(the receipt's number and the numbers of its write-off, unapplied-cash, suspense and
refund documents)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.erp.db import ErpDb
from sandbox.erp.documents import REST_ACTIONS, WRITE_OFF_REASONS
from sandbox.erp.layout import ALT, CLASSIC, REASONS, field
from sandbox.erp.receipt_form import ReceiptError, ReceiptInput, validate
from sandbox.erp.web import current_user, layout, render, slow

PAGE_SIZE = 10
CSV_COLUMNS = ("invoice_number", "customer_id", "customer_name", "customer_iban", "amount_open",
               "currency", "due_date", "creditor_reference", "discount_percent",
               "discount_until", "invoice_date", "amount")


def _db(request: Request) -> ErpDb:
    return request.app.state.db


async def open_items(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    await slow(request)
    q = dict(request.query_params)
    customer = field(q, CLASSIC.filter_customer, ALT.filter_customer).upper()
    items = _db(request).open_items(customer)
    pages = max(1, -(-len(items) // PAGE_SIZE))
    raw = q.get("page", "1")
    page = min(max(1, int(raw) if raw.isdigit() else 1), pages)
    shown = items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    total = sum((Decimal(i["amount_open"]) for i in items), Decimal("0.00"))
    return render(request, "open_items.html", items=shown, page=page, pages=pages,
                  customer=customer, count=len(items), total=total)


async def export_csv(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    q = dict(request.query_params)
    customer = field(q, CLASSIC.filter_customer, ALT.filter_customer).upper()
    db = _db(request)
    ibans = db.ibans()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for i in db.open_items(customer):
        for iban in ibans.get(i["customer_id"]) or [""]:
            writer.writerow([
                i["invoice_number"], i["customer_id"], i["customer_name"], iban,
                f"{Decimal(i['amount_open']):.2f}", i["currency"], i["due_date"],
                i["creditor_reference"] or "", f"{Decimal(i['discount_percent']):.2f}",
                i["discount_until"] or "", i["issue_date"], f"{Decimal(i['amount']):.2f}"])
    headers = {"Content-Disposition": 'attachment; filename="open_items.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


async def payment_search(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    q = dict(request.query_params)
    ref = field(q, CLASSIC.search_ref, ALT.search_ref)
    found = _db(request).postings(ref) if ref else []
    return render(request, "payment_search.html", ref=ref, searched=bool(ref), postings=found)


async def customer_lookup(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    q = request.query_params.get("searchText", "")
    target = request.query_params.get("field", layout(request).customer)
    return render(request, "lookup.html", q=q, target=target,
                  customers=_db(request).customers(q))


async def receipt_form(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    await slow(request)
    return _form(request, ReceiptInput.empty())


def _form(request: Request, data: ReceiptInput, error: str = "") -> Response:
    return render(request, "post.html", data=data, error=error, reasons=REASONS,
                  rest_actions=REST_ACTIONS, write_off_reasons=WRITE_OFF_REASONS)


async def receipt_submit(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    await slow(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    data = ReceiptInput.from_form(form)
    db = _db(request)
    try:
        receipt = validate(data, db)
    except ReceiptError as exc:
        return _form(request, data, str(exc))
    confirmation = db.post(receipt, user)
    customer = db.customer(receipt.customer_id) if receipt.customer_id else None
    posted = db.postings(receipt.bank_reference)
    documents = next((p["documents"] for p in posted if p["confirmation"] == confirmation), [])
    return render(request, "confirmation.html", confirmation=confirmation, receipt=receipt,
                  customer_name=customer["name"] if customer else "", documents=documents)


def routes() -> list[Route]:
    return [
        Route("/ar/openitems.do", open_items),
        Route("/ar/openitems.csv", export_csv),
        Route("/ar/paymentsearch.do", payment_search),
        Route("/ar/custlookup.do", customer_lookup),
        Route("/ar/cashreceipt.do", receipt_form, methods=["GET"]),
        Route("/ar/cashreceipt.do", receipt_submit, methods=["POST"]),
    ]
