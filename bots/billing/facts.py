"""The facts of a draft as a case and a record show them, its content hash, and what the
correction form is filled with (the values the contract expects).

A draft's content hash covers everything a billing rule reads from it (lines, totals,
terms, PO, period, buyer): the work item of a check is ``<number>#<hash>``, so a draft
corrected in the portal is checked again while a rerun on the same draft is not.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import Any

from bots.billing.model import (
    Contract,
    CustomerMaster,
    DraftInvoice,
    DraftLine,
    PurchaseOrder,
)
from bots.billing.rules import RULES
from bots.billing.rules.base import RuleResult
from bots.runtime.records import json_safe

__all__ = ["contract_data", "customer_data", "draft_data", "failed_data", "hash_of",
           "po_data", "proposal", "reference"]

HASH_LENGTH = 12


def hash_of(draft: DraftInvoice) -> str:
    """A short digest of what the rules read from ``draft`` (its status left out)."""
    content = {k: v for k, v in asdict(draft).items() if k != "status"}
    text = json.dumps(json_safe(content), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH]


def reference(draft: DraftInvoice) -> str:
    """The work item (and case) reference of a check of ``draft`` as it is now."""
    return f"{draft.number}#{hash_of(draft)}"


def _line(line: DraftLine) -> dict[str, Any]:
    return {"line_no": line.line_no, "contract_line": line.contract_line_id or "",
            "description": line.description, "quantity": str(line.quantity),
            "unit_price": str(line.unit_price), "discount_percent": str(line.discount_percent),
            "net_amount": str(line.net_amount), "vat_category": line.vat_category,
            "vat_rate": str(line.vat_rate)}


def _shown(line: DraftLine) -> dict[str, Any]:
    """A draft line as the case's table shows it (narrow columns)."""
    return {"line": line.line_no, "item": line.description, "qty": str(line.quantity),
            "price": str(line.unit_price), "disc %": str(line.discount_percent),
            "net": str(line.net_amount), "VAT": f"{line.vat_category} {line.vat_rate}%"}


def draft_data(draft: DraftInvoice) -> dict[str, Any]:
    return {"number": draft.number, "customer_id": draft.customer_id,
            "contract_number": draft.contract_number,
            "issue_date": draft.issue_date.isoformat(),
            "period": f"{draft.period_start.isoformat()} to {draft.period_end.isoformat()}",
            "period_start": draft.period_start.isoformat(),
            "period_end": draft.period_end.isoformat(),
            "payment_terms_days": draft.payment_terms_days, "currency": draft.currency,
            "po_number": draft.po_number or "", "buyer_vat_id": draft.buyer_vat_id or "",
            "net_total": str(draft.net_total), "vat_total": str(draft.vat_total),
            "gross_total": str(draft.gross_total), "status": draft.status,
            "lines": [_line(line) for line in draft.lines],
            "table": [_shown(line) for line in draft.lines]}


def contract_data(contract: Contract) -> dict[str, Any]:
    return {"number": contract.number, "customer_id": contract.customer_id,
            "currency": contract.currency, "start": contract.start.isoformat(),
            "end": contract.end.isoformat() if contract.end else "",
            "payment_terms_days": contract.payment_terms_days,
            "tax_treatment": contract.tax_treatment, "billing": contract.billing,
            "po_number": contract.po_number or "",
            "lines": [{"line_id": c.line_id, "sku": c.sku, "description": c.description,
                       "kind": c.kind, "unit_price": str(c.unit_price),
                       "quantity": str(c.quantity), "unit": c.unit,
                       "vat_category": c.vat_category} for c in contract.lines],
            "table": [{"line": c.line_id, "item": c.description, "qty": str(c.quantity),
                       "price": str(c.unit_price), "per": c.unit, "VAT": c.vat_category}
                      for c in contract.lines],
            "discounts": [{"percent": str(d.percent), "ends": d.ends.isoformat(),
                           "line": d.line_id or "all lines"} for d in contract.discounts]}


def customer_data(master: CustomerMaster | None) -> dict[str, Any]:
    if master is None:
        return {}
    return {"customer_id": master.customer_id, "billing_name": master.billing_name,
            "address": f"{master.street}, {master.postcode} {master.city}, {master.country}",
            "country": master.country, "vat_id": master.vat_id or "",
            "po_required": "yes" if master.po_required else "no"}


def po_data(po: PurchaseOrder | None) -> dict[str, Any]:
    if po is None:
        return {}
    return {"number": po.number, "amount": str(po.amount), "remaining": str(po.remaining),
            "expires": po.expires.isoformat() if po.expires else ""}


def failed_data(results: Sequence[RuleResult]) -> list[dict[str, Any]]:
    """The failing results as the case's table and the record show them."""
    return [{"rule": r.rule_id, "line": r.line_no if r.line_no is not None else "",
             "expected": r.expected, "found": r.found} for r in results if not r.passed]


_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _decimal(text: str) -> Decimal | None:
    """The first number in a rule's expected value ("12.50", "0%", "30 days")."""
    found = _NUMBER.search(text.replace(",", ""))
    if found is None:
        return None
    try:
        return Decimal(found.group())
    except InvalidOperation:
        return None


#: which correction field a rule's expected value fills, for line rules and draft rules
_LINE_FIELDS = {"BV-PRICE": "unit_price", "BV-QUANTITY": "quantity",
                "BV-AMENDMENT": "unit_price", "BV-DISCOUNT-EXPIRED": "discount_percent"}


def proposal(draft: DraftInvoice, contract: Contract,
             results: Sequence[RuleResult]) -> dict[str, Any]:
    """What the correction form is filled with: the draft's values, with each failing
    rule's expected value where it names one field (the contract's price, quantity,
    terms, PO); the line is the first failing line (else the first line)."""
    failed = [r for r in results if not r.passed]
    line_no = next((r.line_no for r in failed if r.line_no is not None),
                   draft.lines[0].line_no if draft.lines else None)
    line = next((ln for ln in draft.lines if ln.line_no == line_no), None)
    out: dict[str, Any] = {
        "line_no": str(line_no) if line_no is not None else "",
        "payment_terms_days": str(draft.payment_terms_days),
        "po_number": draft.po_number or contract.po_number or "",
        "period_start": draft.period_start.isoformat(),
        "period_end": draft.period_end.isoformat()}
    if line is not None:
        out.update(unit_price=str(line.unit_price), quantity=str(line.quantity),
                   discount_percent=str(line.discount_percent),
                   vat_category=line.vat_category, vat_rate=str(line.vat_rate))
    for r in failed:
        value = _decimal(r.expected)
        if r.rule_id in _LINE_FIELDS and r.line_no == line_no and value is not None:
            out[_LINE_FIELDS[r.rule_id]] = str(value)
        elif r.rule_id == "BV-TERMS" and value is not None:
            out["payment_terms_days"] = str(int(value))
        elif r.rule_id == "BV-PO-MISSING" and contract.po_number:
            out["po_number"] = contract.po_number
    return out


def rule_text(rule_id: str) -> str:
    return RULES.get(rule_id, rule_id)
