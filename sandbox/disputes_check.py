"""What ``finbots sandbox check`` says about the disputes (:mod:`sandbox.disputes_scenario`).

Nothing is checked before the disputes bot acted: every seeded portal claim is still
``new``, no dispute mail was filed in ``Disputes`` and no credit memo was requested
(:func:`disputes_ran`; :func:`disputes_note` says so in a line for people). Afterwards:

- intake: every claim of the portal is ``received`` (or decided since) under a case
  reference, none is left ``new``; every dispute mail left the INBOX for ``Disputes``; the
  claims a correct run links (a mail or a deduction repeating a portal claim) share one
  case reference, claims of different cases never do; a dispute that came only by mail or
  as a deduction is registered on the claims desk once (a claim of that channel under its
  case reference), and an invoice a received claim holds shows ``disputed`` there;
- acknowledgements: each claimant got one (a mail to the claimant's address whose
  ``X-Finbots-Reference`` is ``dispute-ack:<case>:<claim>``), never two for one claim, and
  it names the claim's case;
- resolutions: every released credit memo request names its approvers (two above
  1,000.00), no credit memo is above the amount disputed on its invoice (all of an
  invoice's credit memos together neither), a rejected claim tells the customer why;
- the ERP (once it keeps AR adjustments): exactly one ERP credit memo document for each
  credit memo the portal issued, of its amount, and never two documents for one
  reference; each refund of a credit balance is paid by exactly one bank transfer (its
  document number as the EndToEndId, same amount and IBAN), and the bank pays no such
  refund twice.

Truth read: the portal's ``claims`` and ``credit_memo_requests``; the mail server's
``mailboxes`` (folder, message id, ``X-*`` headers); the ERP's ``adjustments`` (``kind``,
``number``, ``reference``, ``invoice_number``, ``amount``) and ``balance_refunds``
(``number``, ``amount``, ``iban``) when present; the bank's ``transfers``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.disputes_scenario import CLAIMS, SeededClaim, claims, expected_cases
from sandbox.mail.addresses import FINANCE_MAILBOX, customer_mailbox
from sandbox.mail.disputes import DISPUTES_FOLDER, dispute_message_id

__all__ = ["TWO_APPROVERS_ABOVE", "compare_disputes", "disputes_note", "disputes_ran",
           "refund_transfers"]

#: a credit memo above this needs two approvers
TWO_APPROVERS_ABOVE = Decimal("1000.00")
REFERENCE_HEADER = "X-Finbots-Reference"
_ACK = re.compile(r"^dispute-ack:(?P<case>.+?):(?P<claim>(?:portal|mail|deduction):.+)$")
_DECIDED = ("received", "rejected", "credited", "closed")
#: the channels of claims the back office registers on the desk for the bot
_REGISTERED = ("mail", "deduction")
#: what an invoice a received claim holds may show (a credit memo released on it since)
_HELD = ("disputed", "credited", "partially_credited")

Truth = dict[str, Any]


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value or "0"))
    except InvalidOperation:
        return Decimal("0")


def _finance_rows(mail: Truth | None) -> list[dict[str, Any]]:
    return list((mail or {}).get("mailboxes", {}).get(FINANCE_MAILBOX, []))


def _dispute_mail_ids() -> dict[str, str]:
    """Message-ID -> claim key of every seeded dispute mail."""
    return {dispute_message_id(c): c.key for c in claims("mail")}


def disputes_ran(portal: Truth, mail: Truth | None) -> bool:
    """Whether the disputes bot acted: a claim no longer new, a dispute mail filed in
    ``Disputes`` or a credit memo requested."""
    if any(c.get("status") != "new" for c in portal.get("claims", [])):
        return True
    if portal.get("credit_memo_requests"):
        return True
    ids = _dispute_mail_ids()
    return any(r.get("folder") == DISPUTES_FOLDER and r.get("message_id") in ids
               for r in _finance_rows(mail))


def disputes_note(portal: Truth, mail: Truth | None) -> str:
    """A line for people when the disputes are not checked yet ("" once they are)."""
    if disputes_ran(portal, mail):
        return ""
    return ("disputes: the disputes bot has not run (claims still new, dispute mails in "
            "the INBOX): not checked")


# -- intake -----------------------------------------------------------------------------
def _portal_claims(portal: Truth) -> dict[str, dict[str, Any]]:
    """Seeded claim key -> the portal's claim."""
    return {c["seed_key"]: c for c in portal.get("claims", []) if c.get("seed_key")}


def _claim_ref(claim: SeededClaim, portal_ids: dict[str, str]) -> str:
    """The reference the disputes bot gives a claim (``portal:DSP-0001`` ...)."""
    if claim.channel == "portal":
        return f"portal:{portal_ids.get(claim.key, claim.key)}"
    if claim.channel == "mail":
        return f"mail:{dispute_message_id(claim)}"
    return f"deduction:{claim.bank_reference}"


def _intake_problems(portal: Truth, mail: Truth | None) -> list[str]:
    problems = []
    by_key = _portal_claims(portal)
    for c in claims("portal"):
        got = by_key.get(c.key)
        if got is None:
            problems.append(f"claim {c.key} ({c.invoice_number}): missing in the portal")
        elif got["status"] not in _DECIDED:
            problems.append(f"claim {c.key} ({got['id']}, {c.invoice_number}): "
                            f"{got['status']}, expected received under a case")
        elif not got.get("case_ref"):
            problems.append(f"claim {c.key} ({got['id']}): {got['status']} without a case "
                            "reference")
    for got in portal.get("claims", []):
        if not got.get("seed_key") and got.get("status") == "new":
            problems.append(f"claim {got['id']} ({got.get('invoice')}): still new")
    if mail is not None:
        where = {r["message_id"]: r["folder"] for r in _finance_rows(mail)}
        for c in claims("mail"):
            folder = where.get(dispute_message_id(c))
            if folder != DISPUTES_FOLDER:
                problems.append(f"dispute mail {c.key} ({c.subject}): in "
                                f"{folder or 'no folder'}, expected in {DISPUTES_FOLDER}")
    return problems


# -- acknowledgements and linked claims -------------------------------------------------
def _acks(mail: Truth) -> dict[str, list[tuple[str, str]]]:
    """Claim ref -> (mailbox, case ref) of every acknowledgement delivered to a customer."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for address, rows in mail.get("mailboxes", {}).items():
        if address == FINANCE_MAILBOX:
            continue  # the finance mailbox's Sent copy is not a delivery
        for r in rows:
            headers = {str(k).lower(): str(v) for k, v in (r.get("headers") or {}).items()}
            found = _ACK.match(headers.get(REFERENCE_HEADER.lower(), "").strip())
            if found:
                out[found["claim"]].append((address, found["case"]))
    return out


def _claimant(claim: SeededClaim) -> str:
    return claim.sender if claim.channel == "mail" else customer_mailbox(claim.customer_id)


def _case_problems(portal: Truth, mail: Truth | None) -> list[str]:
    """Acknowledgements, and the case references linked claims share."""
    problems = []
    by_key = _portal_claims(portal)
    portal_ids = {k: v["id"] for k, v in by_key.items()}
    refs: dict[str, set[str]] = defaultdict(set)  # claim key -> case refs seen
    for key, got in by_key.items():
        if got.get("case_ref"):
            refs[key].add(got["case_ref"])
    acks = _acks(mail) if mail is not None else {}
    duplicates = {c.key for c in CLAIMS if c.duplicate_of}
    for c in CLAIMS:
        ref = _claim_ref(c, portal_ids)
        sent = acks.get(ref, [])
        if len(sent) > 1:
            problems.append(f"claim {c.key} ({ref}): acknowledged {len(sent)} times, "
                            "expected once")
        if mail is not None and not sent and c.key not in duplicates:
            problems.append(f"claim {c.key} ({ref}): no acknowledgement to {_claimant(c)}")
        for address, case in sent:
            refs[c.key].add(case)
            if address != _claimant(c):
                problems.append(f"claim {c.key}: acknowledged to {address}, the claimant "
                                f"is {_claimant(c)}")
    problems += _registered_problems(portal, refs)
    seen: dict[str, str] = {}  # case ref -> the expected case it belongs to
    for case, keys in expected_cases().items():
        found = set().union(*(refs.get(k, set()) for k in keys))
        if len(found) > 1:
            problems.append(f"claims {', '.join(keys)}: one case expected, filed under "
                            f"{', '.join(sorted(found))}")
        for ref in sorted(found):
            if ref in seen and seen[ref] != case:
                problems.append(f"case {ref} joins claims {seen[ref]} and {case}, which are "
                                "different disputes")
            seen.setdefault(ref, case)
    return problems


def _registered_problems(portal: Truth, refs: dict[str, set[str]]) -> list[str]:
    """Each dispute without a portal claim registered on the desk once, under the case its
    claims were acknowledged under; each invoice a received claim holds shows disputed."""
    problems = []
    registered: dict[str, list[dict[str, Any]]] = defaultdict(list)  # invoice -> claims
    for got in portal.get("claims", []):
        if got.get("channel") in _REGISTERED:
            registered[str(got.get("invoice"))].append(got)
    for keys in expected_cases().values():
        seeded = [c for c in CLAIMS if c.key in keys]
        if any(c.channel == "portal" for c in seeded):
            continue  # the customer's own claim holds the invoice
        first, label = seeded[0], ", ".join(keys)
        found = registered.get(first.invoice_number, [])
        if not found:
            problems.append(f"claims {label} ({first.invoice_number}, by {first.channel}): "
                            "not registered on the claims desk, expected one claim under "
                            "their case")
            continue
        if len(found) > 1:
            problems.append(f"claims {label} ({first.invoice_number}): registered "
                            f"{len(found)} times ({', '.join(g['id'] for g in found)}), "
                            "expected once")
        got = found[0]
        acked = set().union(*(refs.get(k, set()) for k in keys))
        if acked and got.get("case_ref") not in acked:
            problems.append(f"claim {got['id']} ({first.invoice_number}): registered under "
                            f"{got.get('case_ref') or 'no case'}, the claimants were told "
                            f"{', '.join(sorted(acked))}")
        elif not acked and got.get("case_ref"):  # a case shared with another dispute shows
            refs[first.key].add(str(got["case_ref"]))
    shown = {str(i.get("invoice_number")): str(i.get("status"))
             for i in portal.get("claim_invoices", [])}
    held = sorted({str(c.get("invoice")) for c in portal.get("claims", [])
                   if c.get("status") == "received"})
    for invoice in held:
        if invoice in shown and shown[invoice] not in _HELD:
            problems.append(f"{invoice}: {shown[invoice]} in the portal while a received "
                            "claim holds it, expected disputed")
    return problems


# -- resolutions ------------------------------------------------------------------------
def _disputed(portal: Truth) -> dict[str, Decimal]:
    """Invoice -> the most any claim disputes on it (the seeded and the portal's)."""
    out: dict[str, Decimal] = {}
    for c in CLAIMS:
        out[c.invoice_number] = max(out.get(c.invoice_number, Decimal(0)), c.amount)
    for c in portal.get("claims", []):
        inv = str(c.get("invoice", ""))
        out[inv] = max(out.get(inv, Decimal(0)), _money(c.get("amount")))
    return out


def _approvers(request: dict[str, Any]) -> list[str]:
    names = request.get("approved_by") or []
    if isinstance(names, str):
        names = names.split(",")
    return [str(n).strip() for n in names if str(n).strip()]


def _resolution_problems(portal: Truth) -> list[str]:
    problems = []
    disputed = _disputed(portal)
    credited: dict[str, Decimal] = defaultdict(Decimal)
    named: set[str] = set()  # invoices one request already exceeds
    for r in portal.get("credit_memo_requests", []):
        amount, invoice = _money(r.get("amount")), str(r.get("invoice", ""))
        label = f"credit memo request {r['id']} ({invoice}, {amount})"
        if r.get("status") == "released":
            names = _approvers(r)
            need = 2 if amount > TWO_APPROVERS_ABOVE else 1
            if len(names) < need:
                problems.append(f"{label}: released with {len(names)} approver(s) named, "
                                f"expected {need}")
            if not r.get("number"):
                problems.append(f"{label}: released without a credit memo number")
        if r.get("status") == "rejected":
            continue
        credited[invoice] += amount
        if invoice not in disputed:
            problems.append(f"{label}: nobody disputes {invoice}")
        elif amount > disputed[invoice]:
            named.add(invoice)
            problems.append(f"{label}: above the disputed amount {disputed[invoice]}")
    for invoice, total in sorted(credited.items()):
        if invoice in disputed and invoice not in named and total > disputed[invoice]:
            problems.append(f"{invoice}: credit memos of {total} requested, more than the "
                            f"{disputed[invoice]} disputed")
    for c in portal.get("claims", []):
        if c.get("status") == "rejected" and not str(c.get("message", "")).strip():
            problems.append(f"claim {c['id']} ({c.get('invoice')}): rejected without a "
                            "message to the customer")
    return problems


# -- the ERP's AR adjustments and refunds ------------------------------------------------
def _doc_number(doc: dict[str, Any]) -> str:
    return str(doc.get("document") or doc.get("number") or "")


def _adjustments(erp: Truth) -> list[dict[str, Any]]:
    return list(erp.get("adjustments") or [])


def _refund_documents(erp: Truth) -> list[dict[str, Any]]:
    """The ERP's refunds of credit balances (not the cash-application refunds, which
    :func:`sandbox.check.compare_bank` checks)."""
    return list(erp.get("balance_refunds") or [])


def refund_transfers(erp: Truth) -> set[str]:
    """The EndToEndIds (document numbers) of the ERP's refunds of credit balances."""
    return {_doc_number(d) for d in _refund_documents(erp) if _doc_number(d)}


def _erp_problems(portal: Truth, erp: Truth) -> list[str]:
    if "adjustments" not in erp:
        return []  # the ERP keeps no AR adjustments (yet)
    problems = []
    by_reference: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in _adjustments(erp):
        if d.get("reference"):
            by_reference[str(d["reference"])].append(d)
    for ref, docs in sorted(by_reference.items()):
        if len(docs) > 1:
            problems.append(f"ERP: {len(docs)} documents for reference {ref} "
                            f"({', '.join(_doc_number(d) for d in docs)}), expected one")
    for r in portal.get("credit_memo_requests", []):
        if r.get("status") != "released" or not r.get("number"):
            continue
        docs = [d for d in by_reference.get(str(r["number"]), [])
                if d.get("kind") == "credit_memo"]
        if not docs:
            problems.append(f"credit memo {r['number']} ({r.get('invoice')}, "
                            f"{r.get('amount')}): no ERP credit memo document")
        elif _money(docs[0].get("amount")) != _money(r.get("amount")):
            problems.append(f"credit memo {r['number']}: {r.get('amount')} in the portal, "
                            f"{docs[0].get('amount')} in the ERP ({_doc_number(docs[0])})")
    return problems


def _bank_problems(erp: Truth, bank: Truth) -> list[str]:
    problems = []
    transfers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in bank.get("transfers", []):
        transfers[str(t.get("end_to_end_id", ""))].append(t)
    for d in _refund_documents(erp):
        number = _doc_number(d)
        paid = transfers.get(number, [])
        iban = str(d.get("iban") or d.get("payee_iban") or "")
        if len(paid) != 1:
            problems.append(f"refund {number} of {d.get('amount')}: paid by {len(paid)} bank "
                            "transfer(s), expected one")
        elif _money(paid[0].get("amount")) != _money(d.get("amount")) or (
                iban and paid[0].get("creditor_iban") != iban):
            problems.append(f"refund {number} is {d.get('amount')} to {iban}, the bank pays "
                            f"{paid[0].get('amount')} to {paid[0].get('creditor_iban')}")
    return problems


def compare_disputes(erp: Truth, portal: Truth, mail: Truth | None,
                     bank: Truth | None = None) -> list[str]:
    """Every difference from a correct disputes run (nothing before the bot ran; the
    mailboxes and the bank only when their truth is given)."""
    if not disputes_ran(portal, mail):
        return []
    problems = (_intake_problems(portal, mail) + _case_problems(portal, mail)
                + _resolution_problems(portal) + _erp_problems(portal, erp))
    if bank is not None:
        problems += _bank_problems(erp, bank)
    return problems

