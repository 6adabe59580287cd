"""The payments pages: upload a pain.001 credit-transfer file, see the transfers it made.

``GET /payments`` lists the transfers booked from uploaded files (``?e2e=`` finds one by
its EndToEndId) beside the upload form; ``POST /payments/upload`` (multipart, with the
session's CSRF token) checks the file (:mod:`sandbox.bank.pain001`), refuses a message id
or an EndToEndId paid before, and shows each transfer with its bank reference. Both
layouts render the same page.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from sandbox.bank import pain001
from sandbox.bank.db import DuplicatePaymentError
from sandbox.bank.pages import _csrf
from sandbox.bank.state import BANK_NAME, BankState, require_login, state


def _page(request: Request, bank: BankState, user: str, status_code: int = 200,
          **context: Any) -> Response:
    e2e = request.query_params.get("e2e", "").strip()
    listed = bank.db.transfers(end_to_end_id=e2e) if e2e else bank.db.transfers()
    context.update(bank_name=BANK_NAME, alt=bank.faults.alt_layout, user=user, e2e=e2e,
                   transfers=listed, csrf=_csrf(request))
    context.setdefault("accepted", None)
    context.setdefault("error", None)
    return bank.templates.TemplateResponse(request, "payments.html", context,
                                           status_code=status_code)


async def payments(request: Request) -> Response:
    user = require_login(request)
    if isinstance(user, Response):
        return user
    return _page(request, state(request), user)


async def upload(request: Request) -> Response:
    user = require_login(request)
    if isinstance(user, Response):
        return user
    bank = state(request)
    async with request.form(max_files=1, max_fields=4,
                            max_part_size=pain001.MAX_BYTES + 1) as form:
        if str(form.get("csrf", "")) != _csrf(request):
            return _page(request, bank, user, 400,
                         error="Your request could not be verified. Please try again.")
        file = form.get("payment_file")
        if not isinstance(file, UploadFile):
            return _page(request, bank, user, 400, error="Please choose a payment file.")
        content = await file.read(pain001.MAX_BYTES + 1)
        name = file.filename or "payment file"
    accounts = {a["iban"] for a in bank.db.accounts()}
    try:
        accepted = bank.db.accept_payment_file(pain001.read(content, accounts), user)
    except (pain001.PaymentFileError, DuplicatePaymentError) as exc:
        return _page(request, bank, user, 400, error=f"{name} refused: {exc}")
    return _page(request, bank, user, accepted=accepted, file_name=name)
