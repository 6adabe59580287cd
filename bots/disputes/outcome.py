"""What became of a dispute after its case opened: the record ``dispute_outcome``.

A case's data is fixed when the case opens; what the bot does afterwards (the reason a
person set, credit memos and write-offs issued, the rejection, what the customer paid, the
mails sent, when the dispute settled) is kept in one record per dispute, keyed by the
dispute's reference (``case_ref``), a new version on each change. The record is what makes
every step of a decision idempotent across reruns (a credit memo or a mail once recorded
is never issued again) and what the settlement sweep works from.

Data::

    {"case_id", "case_ref", "customer_id", "invoice_number", "currency",
     "reason_code", "owner_team", "sla_due", "status",        # open | credited | ...
     "amounts": {...decimal strings...}, "open_at_intake": "6249.88", "applied": "0.00",
     "claims": [{"ref", "address", "portal_claim_id"}],
     "credit_memos": [{"reference", "request_id", "number", "amount", "approved_by",
                       "erp_document", "applied", "credit_balance"}],
     "write_offs": [{"reference", "document", "amount", "reason"}],
     "rejection": {"message", "claims": [...]} | None,
     "mails": [reference, ...], "settled_at": iso | None}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bots.disputes.amounts import ZERO, Amounts
from bots.runtime.records import Records

__all__ = ["KIND", "DisputeOutcome", "claims_of", "load_outcome", "save_outcome"]

KIND = "dispute_outcome"
#: dispute statuses (the spec's): open, credit_requested, credited, rejected, written_off,
#: settled
STATUSES = ("open", "credit_requested", "credited", "rejected", "written_off", "settled")


def claims_of(dispute: Mapping[str, Any], payload: Mapping[str, Any] | None = None
              ) -> list[dict[str, str]]:
    """The dispute's claims with each claimant's address and portal claim id (a mail's or
    a deduction's: the claim registered for it on the claims desk, if any).

    The address is the claim's own (``claimant_address``, ``address`` or ``sender``); the
    work item's claim payload fills it for the claim the item was (``payload``)."""
    payload = payload or {}
    out: list[dict[str, str]] = []
    for claim in dispute.get("claims") or []:
        ref = str(claim.get("ref") or "")
        address = str(claim.get("claimant_address") or claim.get("address")
                      or claim.get("sender") or "")
        if not address and ref and ref == payload.get("ref"):
            address = str(payload.get("claimant_address") or "")
        # a mail's or deduction's dispute: the claim the bot registered for it on the desk
        portal = ref.split(":", 1)[1] if ref.startswith("portal:") else str(
            claim.get("portal_claim_id") or "")
        out.append({"ref": ref, "address": address, "portal_claim_id": portal})
    if not out and payload.get("ref"):
        ref = str(payload["ref"])
        out.append({"ref": ref, "address": str(payload.get("claimant_address") or ""),
                    "portal_claim_id": ref.split(":", 1)[1] if ref.startswith("portal:")
                    else ""})
    known = {c["portal_claim_id"] for c in out}
    for claim_id in dispute.get("portal_claim_ids") or []:
        if str(claim_id) not in known:
            out.append({"ref": f"portal:{claim_id}", "address": "",
                        "portal_claim_id": str(claim_id)})
    return out


@dataclass
class DisputeOutcome:
    """The record's data, as the bot works with it."""

    case_ref: str
    case_id: int | None
    customer_id: str
    invoice_number: str
    currency: str
    amounts: Amounts
    status: str = "open"
    reason_code: str = ""
    owner_team: str = ""
    sla_due: str = ""
    open_at_intake: Decimal | None = None
    applied: Decimal = ZERO
    claims: list[dict[str, str]] = field(default_factory=list)
    credit_memos: list[dict[str, Any]] = field(default_factory=list)
    write_offs: list[dict[str, Any]] = field(default_factory=list)
    rejection: dict[str, Any] | None = None
    mails: list[str] = field(default_factory=list)
    settled_at: str | None = None

    @classmethod
    def from_dispute(cls, case_ref: str, case_id: int | None, dispute: Mapping[str, Any],
                     payload: Mapping[str, Any] | None = None) -> DisputeOutcome:
        """A first outcome from the dispute as its case opened."""
        amounts = dict(dispute.get("amounts") or {})
        at_intake = amounts.pop("open_at_intake", None)
        return cls(
            case_ref=case_ref, case_id=case_id,
            customer_id=str(dispute.get("customer_id") or ""),
            invoice_number=str(dispute.get("invoice_number") or ""),
            currency=str(dispute.get("currency") or "EUR"),
            amounts=Amounts.from_dict(amounts),
            reason_code=str(dispute.get("reason_code") or ""),
            owner_team=str(dispute.get("owner_team") or ""),
            sla_due=str(dispute.get("sla_due") or ""),
            open_at_intake=None if at_intake in (None, "") else Decimal(str(at_intake)),
            claims=claims_of(dispute, payload))

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> DisputeOutcome:
        at_intake = data.get("open_at_intake")
        return cls(
            case_ref=str(data["case_ref"]), case_id=data.get("case_id"),
            customer_id=str(data.get("customer_id") or ""),
            invoice_number=str(data.get("invoice_number") or ""),
            currency=str(data.get("currency") or "EUR"),
            amounts=Amounts.from_dict(data.get("amounts")),
            status=str(data.get("status") or "open"),
            reason_code=str(data.get("reason_code") or ""),
            owner_team=str(data.get("owner_team") or ""),
            sla_due=str(data.get("sla_due") or ""),
            open_at_intake=None if at_intake in (None, "") else Decimal(str(at_intake)),
            applied=Decimal(str(data.get("applied") or "0.00")),
            claims=[dict(c) for c in data.get("claims") or []],
            credit_memos=[dict(c) for c in data.get("credit_memos") or []],
            write_offs=[dict(w) for w in data.get("write_offs") or []],
            rejection=dict(data["rejection"]) if data.get("rejection") else None,
            mails=[str(m) for m in data.get("mails") or []],
            settled_at=data.get("settled_at"))

    def as_data(self) -> dict[str, Any]:
        return {
            "case_ref": self.case_ref, "case_id": self.case_id,
            "customer_id": self.customer_id, "invoice_number": self.invoice_number,
            "currency": self.currency, "amounts": self.amounts.as_dict(),
            "status": self.status, "reason_code": self.reason_code,
            "owner_team": self.owner_team, "sla_due": self.sla_due,
            "open_at_intake": None if self.open_at_intake is None
            else f"{self.open_at_intake:.2f}",
            "applied": f"{self.applied:.2f}", "claims": self.claims,
            "credit_memos": self.credit_memos, "write_offs": self.write_offs,
            "rejection": self.rejection, "mails": self.mails, "settled_at": self.settled_at}

    def merge_claims(self, claims: list[dict[str, str]]) -> None:
        """Claims linked to the dispute since (a duplicate joined): added, addresses kept."""
        known = {c["ref"]: c for c in self.claims}
        for claim in claims:
            if claim["ref"] not in known:
                self.claims.append(dict(claim))
                continue
            for key in ("address", "portal_claim_id"):  # learnt since (registered later)
                if claim.get(key) and not known[claim["ref"]].get(key):
                    known[claim["ref"]][key] = claim[key]

    @property
    def portal_claim_ids(self) -> list[str]:
        return [c["portal_claim_id"] for c in self.claims if c.get("portal_claim_id")]


def load_outcome(records: Records, case_ref: str) -> DisputeOutcome | None:
    found = records.get(KIND, case_ref)
    return None if found is None else DisputeOutcome.from_data(found.data)


def save_outcome(records: Records, outcome: DisputeOutcome) -> None:
    records.put(KIND, outcome.case_ref, outcome.as_data(),
                customer_id=outcome.customer_id or None)
