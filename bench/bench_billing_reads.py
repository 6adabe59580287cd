"""Reading the billing portal's drafts with their lines: the billing bot's targets through
the two report pages (the drafts list and the lines of every draft, two page loads
whatever the number of drafts) next to the usual way of a UI robot, the list and then each
draft's own page (one page load per draft). Both in Chromium, every read a recorded step.

Each size is a freshly seeded portal whose 27 drafts of the day are joined by copies under
new numbers. Both variants must read the same drafts, lines and totals. Pages are held
back as a real portal's are (``--page-delay``, milliseconds per HTML page).

Run: ``python -m bench.bench_billing_reads --sizes 27,81,243 --repeat 3``
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from bots.billing.model import DraftInvoice
from bots.billing.targets import BillingTargets
from bots.runtime import RunContext
from bots.runtime.browser import shutdown_browser
from bots.runtime.vault import Vault
from sandbox.credentials import VAULT_ENTRIES
from sandbox.erp.app import create_app as erp_app
from sandbox.portal.app import create_app as portal_app
from sandbox.scenario import build_scenario
from sandbox.serve import serve_app

SELECTORS = Path(__file__).resolve().parents[1] / "bots" / "billing" / "selectors"
LOGINS = ("billing_portal/billing", "legacy_erp/billing")


def add_copies(billing_db: Path, size: int) -> None:
    """Copies of the day's drafts under new numbers until the portal holds ``size``."""
    with sqlite3.connect(billing_db) as c:
        drafts = [r[0] for r in c.execute(
            "SELECT number FROM b_invoices WHERE status = 'draft' ORDER BY number")]
        for k in range(max(0, size - len(drafts))):
            source, copy = drafts[k % len(drafts)], f"{drafts[k % len(drafts)]}-C{k:04d}"
            c.execute("INSERT INTO b_invoices SELECT ?, customer_id, customer_name, "
                      "contract_number, issue_date, period_start, period_end, "
                      "payment_terms_days, currency, po_number, buyer_vat_id, net_total, "
                      "vat_total, gross_total, status, released_at, released_by, xml, "
                      "xml_sha256, hold_reason, cancel_reason, cancel_approver "
                      "FROM b_invoices WHERE number = ?", (copy, source))
            c.execute("INSERT INTO b_invoice_lines SELECT ?, line_no, contract_line_id, "
                      "description, quantity, unit_price, discount_percent, net_amount, "
                      "vat_category, vat_rate FROM b_invoice_lines WHERE number = ?",
                      (copy, source))


def bulk(targets: BillingTargets) -> list[DraftInvoice]:
    return targets.drafts()


def page_by_page(targets: BillingTargets) -> list[DraftInvoice]:
    app = targets.portal.app
    targets.portal.open("/billing/drafts?status=draft")
    app.wait_for("invoices.table")
    numbers = [r.text("number") for r in app.rows("invoices.rows")]
    return [targets.draft(n) for n in numbers]


def timed(read: Callable[[BillingTargets], list[DraftInvoice]], portal: str, erp: str,
          tmp: Path) -> tuple[float, list[DraftInvoice]]:
    run = f"bench-{time.monotonic_ns()}"
    vault = Vault(tmp / f"{run}.enc", Fernet.generate_key())
    for name in LOGINS:
        vault.set(name, VAULT_ENTRIES[name])
    os.environ["FINBOTS_BILLING_PORTAL_URL"], os.environ["FINBOTS_LEGACY_ERP_URL"] = portal, erp
    with RunContext(run, tmp / run, vault=vault,
                    selectors_dirs=(SELECTORS,)) as ctx:
        targets = BillingTargets(ctx, portal_credential=LOGINS[0], erp_credential=LOGINS[1])
        targets.portal.login()  # both variants start signed in
        start = time.perf_counter()
        found = read(targets)
        return time.perf_counter() - start, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="27,81,243")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--page-delay", default="50-150", help="ms per HTML page, LO-HI")
    args = parser.parse_args()
    os.environ["FINBOTS_PORTAL_DELAY_MS"] = "0"  # the page delay below holds every page
    os.environ["FINBOTS_ERP_SLOW_MS"] = "0"
    tmp = Path(tempfile.mkdtemp(prefix="bench-billing-reads-"))
    portal = portal_app(tmp / "portal.db", build_scenario())
    erp = erp_app(tmp / "erp.db", build_scenario())
    billing_db = tmp / "portal-billing.sqlite"
    print(f"page delay {args.page_delay} ms per HTML page; median of {args.repeat} rounds")
    print(f"{'drafts':>7} {'two report pages':>17} {'page by page':>13} {'ratio':>6}")
    with serve_app(portal) as portal_url, serve_app(erp) as erp_url:
        for size in (int(s) for s in args.sizes.split(",")):
            httpx.post(f"{portal_url}/_sandbox/reset", timeout=60).raise_for_status()
            httpx.post(f"{portal_url}/_sandbox/faults", json={
                "page_delay_ms": args.page_delay}, timeout=10).raise_for_status()
            add_copies(billing_db, size)
            times: dict[str, list[float]] = {"bulk": [], "pages": []}
            for _ in range(args.repeat):
                for name, read in (("bulk", bulk), ("pages", page_by_page)):
                    took, found = timed(read, portal_url, erp_url, tmp)
                    times[name].append(took)
                    got = sorted(found, key=lambda d: d.number)
                    if name == "bulk":
                        reference = got
                    elif got != reference:
                        raise SystemExit(f"size {size}: the two reads differ")
                    if len(got) != size:
                        raise SystemExit(f"size {size}: read {len(got)} drafts")
            b, p = statistics.median(times["bulk"]), statistics.median(times["pages"])
            print(f"{size:>7} {b:>16.2f}s {p:>12.2f}s {p / b:>5.1f}x", flush=True)
    shutdown_browser()


if __name__ == "__main__":
    main()
