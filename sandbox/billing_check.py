"""What ``finbots sandbox check`` says about the billing run (:mod:`sandbox.billing_scenario`).

Nothing is checked before the billing bot acted (no edit, release, hold or cancel in the
portal's log). Afterwards:

- every draft the run expects released is released, once, with an e-invoice attached;
- every released draft of the day is right: its lines are what the contract bills for its
  period, its payment terms the contract's, its totals add up, a reverse-charge buyer's VAT
  ID is valid, a PO-requiring customer's PO is quoted (open at the ERP when the ERP's truth
  is given), and its XML parses and names the invoice number and gross total;
- so a faulty draft stays draft or held or is cancelled, unless a person corrected it
  (the corrected values must then be right, as above); a duplicate and a period already
  billed are never released;
- no contract period is released twice, and the history is left as it was.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from stdnum.eu import vat as eu_vat

from sandbox.billing_scenario import BillingRun, build_billing_run, contract_lines
from sandbox.portal.billing.einvoice_check import EInvoiceRefused, read_einvoice

__all__ = ["compare_billing"]

NEVER_RELEASED = ("case:BV-DUPLICATE", "case:BV-PERIOD-DUP")
_LINE_KEYS = ("quantity", "unit_price", "discount_percent", "net_amount", "vat_rate")


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _line_problems(inv: dict[str, Any], run: BillingRun) -> list[str]:
    contract = run.contract(inv["contract_number"])
    start = dt.date.fromisoformat(inv["period_start"])
    end = dt.date.fromisoformat(inv["period_end"])
    want = contract_lines(contract, start, end)
    got = inv["lines"]
    if len(got) != len(want):
        return [f"{len(got)} line(s), the contract bills {len(want)}"]
    problems = []
    for g, w in zip(got, want, strict=True):
        for key in _LINE_KEYS:
            if _d(g[key]) != getattr(w, key):
                problems.append(f"line {g['line_no']} {key} {g[key]}, contract {getattr(w, key)}")
        if g["vat_category"] != w.vat_category:
            problems.append(f"line {g['line_no']} VAT category {g['vat_category']}, "
                            f"contract {w.vat_category}")
    if inv["payment_terms_days"] != contract.payment_terms_days:
        problems.append(f"payment terms {inv['payment_terms_days']} days, contract "
                        f"{contract.payment_terms_days}")
    return problems


def _total_problems(inv: dict[str, Any]) -> list[str]:
    net = sum((_d(ln["net_amount"]) for ln in inv["lines"]), Decimal("0.00"))
    problems = []
    if net != _d(inv["net_total"]):
        problems.append(f"net total {inv['net_total']}, lines sum to {net}")
    if _d(inv["net_total"]) + _d(inv["vat_total"]) != _d(inv["gross_total"]):
        problems.append(f"gross total {inv['gross_total']} is not net plus VAT")
    return problems


def _party_problems(inv: dict[str, Any], run: BillingRun,
                    erp: dict[str, Any] | None) -> list[str]:
    contract = run.contract(inv["contract_number"])
    master = run.master(inv["customer_id"])
    problems = []
    if contract.tax_treatment == "reverse_charge" and not (
            inv["buyer_vat_id"] and eu_vat.is_valid(inv["buyer_vat_id"])):
        problems.append(f"reverse charge without a valid buyer VAT ID "
                        f"({inv['buyer_vat_id'] or 'none'})")
    if master.po_required:
        po = inv["po_number"]
        if not po:
            problems.append("no PO quoted, the customer requires one")
        elif erp is not None:
            orders = {o["po_number"]: o for o in erp.get("purchase_orders", [])}
            order = orders.get(po)
            if order is None or order["customer_id"] != inv["customer_id"]:
                problems.append(f"PO {po} is not the customer's")
            elif order["expires"] < inv["issue_date"]:
                problems.append(f"PO {po} expired on {order['expires']}")
            elif _d(order["remaining"]) < _d(inv["gross_total"]):
                problems.append(f"PO {po} has {order['remaining']} left, invoice "
                                f"{inv['gross_total']}")
    return problems


def _xml_problems(inv: dict[str, Any], xml: str | None) -> list[str]:
    if not xml:
        return ["released without an e-invoice"]
    try:
        number, gross = read_einvoice(xml.encode("utf-8"))
    except EInvoiceRefused as exc:
        return [f"e-invoice unreadable: {exc}"]
    problems = []
    if number != inv["number"]:
        problems.append(f"e-invoice names invoice {number}")
    if gross != _d(inv["gross_total"]):
        problems.append(f"e-invoice gross total {gross}, invoice {inv['gross_total']}")
    return problems


def compare_billing(portal: dict[str, Any], erp: dict[str, Any] | None = None,
                    run: BillingRun | None = None) -> list[str]:
    """Differences between the portal's billing truth and the billing run's outcome."""
    billing = portal.get("billing")
    if not billing:
        return []
    run = run or build_billing_run()
    log = billing.get("log", [])
    if not log:
        return []  # the billing bot has not acted yet
    invoices = {i["number"]: i for i in billing["invoices"]}
    einvoices = billing.get("einvoices", {})
    releases = Counter(e["number"] for e in log if e["action"] == "released")
    edited = {e["number"] for e in log if e["action"] == "edited"}
    problems: list[str] = []
    for number, outcome in sorted(run.expected.items()):
        inv = invoices.get(number)
        if inv is None:
            problems.append(f"billing: draft {number} is missing from the portal")
            continue
        status = inv["status"]
        if releases[number] > 1:
            problems.append(f"billing: {number} released {releases[number]} times")
        if outcome == "release" and status != "released":
            problems.append(f"billing: {number} is {status}, the run expects it released")
        if status != "released":
            continue
        if outcome in NEVER_RELEASED:
            problems.append(f"billing: {number} released, it is a {outcome[5:]} draft")
            continue
        if outcome != "release" and number not in edited:
            problems.append(f"billing: {number} released uncorrected ({outcome})")
        found = (_line_problems(inv, run) + _total_problems(inv)
                 + _party_problems(inv, run, erp) + _xml_problems(inv, einvoices.get(number)))
        problems += [f"billing: {number} released with {p}" for p in found]
    for number, inv in sorted(invoices.items()):
        if number in run.expected:
            continue
        seeded = run.draft(number)
        if inv["status"] != seeded.status or _d(inv["gross_total"]) != seeded.gross_total:
            problems.append(f"billing: released invoice {number} of the history was changed")
    periods = Counter((i["contract_number"], i["period_start"], i["period_end"])
                      for i in invoices.values() if i["status"] == "released")
    for (contract, start, end), n in sorted(periods.items()):
        if n > 1:
            problems.append(f"billing: {contract} {start}..{end} released {n} times")
    return problems
