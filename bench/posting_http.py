"""Posting benchmark, plain HTTP variant: the upper limit without any browser.

One httpx client keeps the session cookie. Per posting it sends the same requests the
browser would send: the payment inquiry by bank reference, then the cash receipt form
with the same field values a person types, and reads the confirmation number from the
answer page.

    python -m bench.posting_http [--extra-exact N]
"""

from __future__ import annotations

import re

import httpx

from bench.posting_workload import ERP_PASSWORD, ERP_USER, Posting, run_alone
from sandbox.erp.layout import ROWS

CONFIRMATION = re.compile(r"CR-\d+-\d+")
NO_PAYMENTS = "No payments found"


def receipt_form(posting: Posting) -> dict[str, str]:
    """The cash receipt form as the browser submits it (empty rows included)."""
    if len(posting.rows) > ROWS:
        raise ValueError(f"{posting.bank_reference}: {len(posting.rows)} rows > {ROWS}")
    form = {
        "custId": posting.customer_id,
        "valueDate": posting.value_date.isoformat(),
        "bankRef": posting.bank_reference,
        "pmtAmount": str(posting.amount),
    }
    for n in range(1, ROWS + 1):
        row = posting.rows[n - 1] if n <= len(posting.rows) else None
        form[f"inv{n}"] = row.invoice if row else ""
        form[f"amt{n}"] = str(row.applied) if row else ""
        form[f"diff{n}"] = str(row.diff) if row and row.diff else ""
        form[f"reason{n}"] = row.reason if row else "NONE"
    return form


def login(client: httpx.Client) -> None:
    r = client.post("/ar/login.do", data={"userid": ERP_USER, "password": ERP_PASSWORD})
    r.raise_for_status()
    if "JSESSIONID" not in client.cookies:
        raise RuntimeError("ERP login failed")


def already_posted(client: httpx.Client, bank_reference: str) -> str | None:
    """The confirmation number of an existing posting of this reference, if any."""
    r = client.get("/ar/paymentsearch.do", params={"bankRef": bank_reference})
    r.raise_for_status()
    if NO_PAYMENTS in r.text:
        return None
    found = CONFIRMATION.search(r.text)
    if found is None:
        raise RuntimeError(f"unexpected payment inquiry page for {bank_reference}")
    return found.group(0)


def post_one(client: httpx.Client, posting: Posting) -> str:
    r = client.post("/ar/cashreceipt.do", data=receipt_form(posting))
    r.raise_for_status()
    found = CONFIRMATION.search(r.text)
    if found is None:
        error = re.search(r"Error: ([^<]*)", r.text)
        raise RuntimeError(f"{posting.bank_reference} not posted: "
                           f"{error.group(1) if error else 'no confirmation'}")
    return found.group(0)


def post_all(erp_url: str, postings: list[Posting]) -> list[str]:
    """Post every posting (skipping those already in the ERP); confirmation numbers."""
    result: list[str] = []
    with httpx.Client(base_url=erp_url, timeout=60, follow_redirects=True) as client:
        login(client)
        for posting in postings:
            existing = already_posted(client, posting.bank_reference)
            result.append(existing or post_one(client, posting))
    return result


def main(argv: list[str] | None = None) -> None:
    run_alone("http", post_all, argv)


if __name__ == "__main__":
    main()
