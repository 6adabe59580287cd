"""Ground-truth check: compare what the ERP, the bank and the portal hold with the
scenario's outcome.

``run_check(bank_url, erp_url, portal_url)`` returns human-readable differences; an empty
list means a clean run. The scenario is rebuilt with the ``extra_exact`` the ERP was reset
with unless one is passed in.

A payment the scenario sends to a person (an exception) may be posted once a person has
resolved it: such a posting carries its own reference (the case it resolves), applies,
writes off, parks or refunds exactly the payment's amount, and the invoices' expected
open amounts follow what it applied and wrote off. Each refund document of the ERP is
paid by exactly one bank transfer (its number as the EndToEndId, same amount and payee),
and the bank makes no transfer the ERP has no refund for.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import httpx

from sandbox.billing_check import compare_billing
from sandbox.collections_check import compare_collections
from sandbox.disputes_check import compare_disputes, disputes_note, refund_transfers
from sandbox.erp.ext.credit import expected_credit
from sandbox.remittances_check import advised, compare_remittances
from sandbox.replies_check import compare_replies
from sandbox.scenario import ExpectedPosting, Payment, Scenario, build_scenario

__all__ = ["compare_bank", "compare_credit", "compare_erp", "compare_portal",
           "expected_open_amounts", "run_check"]

Lines = dict[str, tuple[Decimal, Decimal, Decimal]]  # invoice -> (applied, write-off, discount)


def _truth(url: str, client: httpx.Client) -> dict[str, Any]:
    response = client.get(url.rstrip("/") + "/_sandbox/truth")
    response.raise_for_status()
    return response.json()


def _expected_lines(e: ExpectedPosting) -> Lines:
    out: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for col, pairs in enumerate((e.allocations, e.write_offs, e.discounts)):
        for inv, amount in pairs:
            out[inv][col] += amount
    return {inv: (a, w, d) for inv, (a, w, d) in out.items()}


def _posted_lines(posting: dict[str, Any]) -> Lines:
    out: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for ln in posting["lines"]:
        for col, key in enumerate(("amount", "write_off", "discount")):
            out[ln["invoice_number"]][col] += Decimal(str(ln.get(key) or 0))
    return {inv: (a, w, d) for inv, (a, w, d) in out.items()}


def _fmt(lines: Lines) -> str:
    parts = []
    for inv, (a, w, d) in sorted(lines.items()):
        extra = (f" + write-off {w}" if w else "") + (f" + discount {d}" if d else "")
        parts.append(f"{inv} {a}{extra}")
    return ", ".join(parts) or "nothing"


def _resolved(p: Payment, posting: dict[str, Any]) -> list[str]:
    """What is wrong with a person's resolution of an exception payment, as posted."""
    label = f"{p.bank_reference} ({p.key}, resolved in {posting['our_ref']})"
    problems = []
    if Decimal(posting["amount"]) != p.amount:
        problems.append(f"{label}: posted as {posting['amount']}, the payment is {p.amount}")
    applied = sum((Decimal(ln["amount"]) for ln in posting["lines"]), Decimal(0))
    rest = sum((Decimal(d["amount"]) for d in posting["documents"]
                if not d["invoice_number"]), Decimal(0))
    if applied + rest != p.amount:
        problems.append(f"{label}: applied {applied} and handled {rest}, the payment is "
                        f"{p.amount}")
    for d in posting["documents"]:
        if d["reason"] == "DEDUCTION" and not d["dispute"]:
            problems.append(f"{label}: deduction {d['number']} without its dispute reason")
        if d["kind"] == "suspense" and d["customer_id"]:
            problems.append(f"{label}: {d['number']} parks a known customer's cash in "
                            "suspense")
    return problems


def _check_payment(p: Payment, posts: list[dict[str, Any]]) -> list[str]:
    label = f"{p.bank_reference} ({p.key})"
    confs = ", ".join(x["confirmation"] for x in posts)
    if p.expected_posting is None:
        if not posts:
            return []
        if p.expected_reason and len(posts) == 1 and posts[0].get("our_ref"):
            return _resolved(p, posts[0])
        why = f"exception {p.expected_reason}" if p.expected_reason else "not a customer payment"
        return [f"{label}: posted {len(posts)} time(s) ({confs}), expected no posting ({why})"]
    expected = _expected_lines(p.expected_posting)
    if not posts:
        return [f"{label}: not posted, expected {_fmt(expected)}"]
    if len(posts) > 1:
        return [f"{label}: posted {len(posts)} times ({confs}), expected once"]
    got = _posted_lines(posts[0])
    if got != expected:
        return [f"{label}: posted {_fmt(got)} ({confs}), expected {_fmt(expected)}"]
    return []


def expected_open_amounts(erp: dict[str, Any], scenario: Scenario) -> dict[str, Decimal]:
    """The scenario's open amounts after a correct run, less what people's resolutions of
    exception payments (postings with their own reference) applied and wrote off."""
    expected = scenario.expected_open_amounts()
    exceptions = {p.bank_reference for p in scenario.payments if p.expected_posting is None}
    for posting in erp.get("postings", []):
        if posting["bank_reference"] in exceptions and posting.get("our_ref"):
            for ln in posting["lines"]:
                if ln["invoice_number"] in expected:
                    expected[ln["invoice_number"]] -= sum(
                        Decimal(str(ln.get(k) or 0)) for k in ("amount", "write_off", "discount"))
    return expected


def compare_erp(truth: dict[str, Any], scenario: Scenario) -> list[str]:
    """Differences between the ERP's ground truth and the scenario's expected outcome."""
    problems: list[str] = []
    by_ref: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for posting in truth.get("postings", []):
        by_ref[posting["bank_reference"]].append(posting)
    for p in scenario.payments:
        problems += _check_payment(p, by_ref.pop(p.bank_reference, []))
    for ref, posts in sorted(by_ref.items()):
        confs = ", ".join(x["confirmation"] for x in posts)
        problems.append(f"{ref}: posted ({confs}) but no such bank reference on the statement")
    expected = expected_open_amounts(truth, scenario)
    held = {i["invoice_number"]: Decimal(str(i["amount_open"])) for i in truth.get("invoices", [])}
    for inv, amount in expected.items():
        if inv not in held:
            problems.append(f"{inv}: missing in the ERP")
        elif held[inv] != amount:
            problems.append(f"{inv}: open amount {held[inv]} in the ERP, expected {amount}")
    return problems


def compare_bank(bank: dict[str, Any], erp: dict[str, Any], scenario: Scenario) -> list[str]:
    """Refund documents of the ERP against the transfers the bank makes: one each."""
    problems: list[str] = []
    transfers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in bank.get("transfers", []):
        transfers[t["end_to_end_id"]].append(t)
    amounts = {p.bank_reference: p.amount for p in scenario.payments}
    refunded: dict[str, Decimal] = defaultdict(Decimal)
    for posting in erp.get("postings", []):
        for d in posting.get("documents", []):
            if d["kind"] != "refund":
                continue
            ref = posting["bank_reference"]
            refunded[ref] += Decimal(d["amount"])
            paid = transfers.pop(d["number"], [])
            if len(paid) != 1:
                problems.append(f"{ref}: refund {d['number']} of {d['amount']} paid by "
                                f"{len(paid)} bank transfer(s), expected one")
            elif (Decimal(paid[0]["amount"]), paid[0]["creditor_iban"]) != (
                    Decimal(d["amount"]), d["payee_iban"]):
                problems.append(f"{ref}: refund {d['number']} is {d['amount']} to "
                                f"{d['payee_iban']}, the bank pays {paid[0]['amount']} to "
                                f"{paid[0]['creditor_iban']}")
    for ref, total in sorted(refunded.items()):
        if ref in amounts and total > amounts[ref]:
            problems.append(f"{ref}: refunds of {total} exceed the payment ({amounts[ref]})")
    for e2e, paid in sorted(transfers.items()):
        problems.append(f"bank: {len(paid)} transfer(s) with EndToEndId {e2e} and no refund "
                        "in the ERP")
    return problems


def compare_portal(truth: dict[str, Any], scenario: Scenario,
                   erp: dict[str, Any] | None = None) -> list[str]:
    """Differences between the portal's invoice statuses and the expected ones (after
    people's resolutions as the ERP ``erp`` holds them, when given)."""
    problems = []
    held = {i["invoice_number"]: i["status"] for i in truth.get("invoices", [])}
    left = expected_open_amounts(erp or {}, scenario)
    disputed = {c.get("invoice") for c in truth.get("claims", []) if c.get("status") == "received"}
    credited = {r.get("invoice") for r in truth.get("credit_memo_requests", [])
                if r.get("status") == "released"}
    for inv in scenario.invoices:
        number = inv.invoice_number
        status = ("paid" if left[number] == 0 else
                  "partially_paid" if left[number] < inv.amount else "open")
        # a customer's claim received on the claims desk holds the invoice as disputed; a
        # credit memo released on it shows as credited (the disputes check judges those)
        if number in credited and held.get(number) in ("credited", "partially_credited"):
            continue
        if number in disputed:
            status = "disputed"
        if number not in held:
            problems.append(f"{number}: missing in the billing portal")
        elif held[number] != status:
            problems.append(f"{number}: portal status {held[number]}, expected {status}")
    return problems


def compare_credit(erp: dict[str, Any]) -> list[str]:
    """Credit decisions against the expected ones, once any was taken (before the credit
    bot runs, held orders are simply held): an order the policy releases is released once
    with its rule as the reason; one a person decides is still held or decided once with
    an approver named (two for ``two_approvers``); no order is decided twice."""
    orders = {o["order_number"]: o for o in erp.get("sales_orders", [])}
    if not any(o["decisions"] for o in orders.values()):
        return []
    problems = []
    for number, expected in sorted(expected_credit().items()):
        order = orders.get(number)
        if order is None:
            problems.append(f"{number}: missing in the ERP")
            continue
        decided = order["decisions"]
        if len(decided) > 1:
            problems.append(f"{number}: decided {len(decided)} times, expected once")
        elif expected == "auto_release":
            if order["credit_status"] != "released" or not decided or not decided[0]["reason"]:
                problems.append(f"{number}: {order['credit_status']}, expected released by "
                                "the credit policy with its rule as the reason")
        elif decided:
            approvers = [a for a in decided[0]["approver"].split(",") if a.strip()]
            need = 2 if expected == "two_approvers" else 1
            if len(approvers) < need:
                problems.append(f"{number}: {decided[0]['action']} with {len(approvers)} "
                                f"approver(s) named, expected {need}")
    return problems


def run_check(bank_url: str, erp_url: str, portal_url: str,
              scenario: Scenario | None = None, mail_url: str = "",
              notes: list[str] | None = None) -> list[str]:
    """Fetch the ERP's and the portal's truth and list every difference from the scenario.

    ``bank_url`` may be empty: the refunds' transfers are then not checked; ``mail_url``
    (the mail server's control address) too: the mailboxes are then not checked.
    ``notes`` (when given) gets lines for people about what was not checked and why.
    """
    with httpx.Client(timeout=10) as client:
        erp = _truth(erp_url, client)
        portal = _truth(portal_url, client)
        problems: list[str] = []
        bank: dict[str, Any] | None = None
        if bank_url:
            try:
                bank = _truth(bank_url, client)
            except httpx.HTTPError as exc:
                problems.append(f"bank: not reachable ({exc})")
    if scenario is None:
        scenario = build_scenario(extra_exact=int(erp.get("extra_exact") or 0))
    mail: dict[str, Any] | None = None
    if mail_url:
        with httpx.Client(timeout=10) as client:
            mail = _truth(mail_url, client)
    scenario = advised(scenario, mail)  # a payment its mailed advice decided
    problems += (compare_erp(erp, scenario) + compare_portal(portal, scenario, erp)
                 + compare_credit(erp))
    if mail is not None:
        from sandbox.mail.check import compare_mail

        problems += compare_mail(mail, scenario)
    problems += (compare_collections(erp, mail, scenario) + compare_replies(erp, mail)
                 + compare_remittances(mail) + compare_billing(portal, erp)
                 + compare_disputes(erp, portal, mail, bank))
    if notes is not None and disputes_note(portal, mail):
        notes.append(disputes_note(portal, mail))
    if bank is not None:  # refunds of credit balances: compare_disputes checks them
        paid_back = refund_transfers(erp)
        bank = {**bank, "transfers": [t for t in bank.get("transfers", [])
                                      if t.get("end_to_end_id") not in paid_back]}
    return problems + (compare_bank(bank, erp, scenario) if bank is not None else [])
