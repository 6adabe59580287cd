"""Claims from the billing portal's claims desk: every claim with status ``new``.

Each claim's detail is read (invoice, customer, amount, the customer's text, the lines named,
when it was received) and its attachment fetched (at most 5 MiB) into the run's evidence
folder. Reference ``portal:<claim id>``. A claim the bot cannot read (no invoice number, an
amount that is not above zero) is still queued, with the problem named, so a person sees it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bots.cashapp.dispute_mail import INVOICE_NUMBER
from bots.disputes.evidence import safe_name
from bots.disputes.model import DisputeClaim, DisputedLine
from bots.disputes.targets import ClaimPage, ClaimsDesk
from bots.runtime import BusinessFailure, RunContext

__all__ = ["MAX_CLAIMS", "read_portal_claims"]

#: claims read per run; the rest waits for the next one
MAX_CLAIMS = 500


def _problem(page: ClaimPage) -> str:
    if not INVOICE_NUMBER.fullmatch(page.invoice_number or ""):
        return f"claim {page.claim_id}: invoice number {page.invoice_number!r} is no invoice"
    if not page.customer_id:
        return f"claim {page.claim_id}: no customer id"
    if page.amount <= 0:
        return f"claim {page.claim_id}: amount {page.amount} is not above zero"
    return ""


def read_portal_claims(ctx: RunContext, desk: ClaimsDesk, folder: Path
                       ) -> list[DisputeClaim]:
    """The new claims of the claims desk, their attachments saved under ``folder``."""
    out: list[DisputeClaim] = []
    for claim_id in desk.claim_ids("new")[:MAX_CLAIMS]:
        page = desk.claim(claim_id)
        attachments: list[str] = []
        extra: dict[str, str] = {"claim_id": claim_id}
        if page.attachment_href:
            try:
                name, body = desk.fetch_file(page.attachment_href,
                                             f"attachment of claim {claim_id}")
            except BusinessFailure as exc:  # too large: the claim goes on without it
                extra["attachment_problem"] = exc.message
            else:
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / f"portal-{safe_name(claim_id)}-{safe_name(name)}"
                target.write_bytes(body)
                attachments.insert(0, str(target))
        problem = _problem(page)
        if problem:
            extra["problem"] = problem
        out.append(DisputeClaim(
            channel="portal", external_id=claim_id, customer_id=page.customer_id,
            invoice_number=page.invoice_number.upper(),
            amount=page.amount if page.amount > 0 else Decimal("0.00"),
            currency=page.currency, text=page.text, received_at=page.received_at,
            customer_name=page.customer_name, attachments=tuple(attachments),
            lines=tuple(DisputedLine(n) for n in page.lines), extra=extra))
    return out
