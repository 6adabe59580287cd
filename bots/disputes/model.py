"""A customer's claim against an invoice, as one of the three channels read it.

Every channel (the billing portal's claims desk, the finance mailbox, short payments found
by cash application) yields :class:`DisputeClaim`; the bot queues one work item per claim
(reference :attr:`DisputeClaim.ref`) and opens, or joins, the invoice's ``DISPUTE`` case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

__all__ = ["CHANNELS", "Channel", "DisputeClaim", "DisputedLine"]

Channel = Literal["portal", "mail", "deduction"]
CHANNELS: tuple[Channel, ...] = ("portal", "mail", "deduction")

#: longest free text kept of a claim (the customer's words)
MAX_TEXT = 4000


@dataclass(frozen=True, slots=True)
class DisputedLine:
    """One invoice line the customer named (portal form)."""

    line_no: int
    text: str = ""


@dataclass(frozen=True, slots=True)
class DisputeClaim:
    """One claim: who disputes which invoice, for how much, in their words.

    ``ref`` is ``<channel>:<external id>`` (``portal:DSP-0003``, ``mail:<Message-ID>``,
    ``deduction:<bank reference>``): the work item's reference, unique per claim, so a
    rerun reads the same claim again and adds nothing.
    """

    channel: Channel
    external_id: str
    customer_id: str
    invoice_number: str
    amount: Decimal
    currency: str
    text: str
    received_at: dt.datetime  # timezone-aware UTC
    customer_name: str = ""
    claimant_address: str = ""  # where the acknowledgement goes ("" when none is known)
    attachments: tuple[str, ...] = ()  # evidence paths (relative to the run folder)
    lines: tuple[DisputedLine, ...] = ()
    subject: str = ""  # mail only
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None:
            raise ValueError(f"{self.ref}: received_at must be timezone-aware")
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"{self.ref}: amount must be a Decimal")

    @property
    def ref(self) -> str:
        return f"{self.channel}:{self.external_id}"

    def payload(self) -> dict[str, Any]:
        """The work item's payload (JSON-safe: amounts and times as text)."""
        return {
            "ref": self.ref, "channel": self.channel, "external_id": self.external_id,
            "customer_id": self.customer_id, "customer_name": self.customer_name,
            "invoice_number": self.invoice_number, "amount": str(self.amount),
            "currency": self.currency, "text": self.text[:MAX_TEXT],
            "received_at": self.received_at.astimezone(dt.UTC).isoformat(),
            "claimant_address": self.claimant_address,
            "attachments": list(self.attachments), "subject": self.subject,
            "lines": [{"line_no": ln.line_no, "text": ln.text} for ln in self.lines],
            "extra": dict(self.extra),
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> DisputeClaim:
        """The claim a work item carries (see :meth:`payload`)."""
        received = dt.datetime.fromisoformat(str(data["received_at"]))
        if received.tzinfo is None:
            received = received.replace(tzinfo=dt.UTC)
        return cls(
            channel=data["channel"], external_id=str(data["external_id"]),
            customer_id=str(data.get("customer_id") or ""),
            invoice_number=str(data.get("invoice_number") or ""),
            amount=Decimal(str(data.get("amount") or "0")),
            currency=str(data.get("currency") or "EUR"), text=str(data.get("text") or ""),
            received_at=received, customer_name=str(data.get("customer_name") or ""),
            claimant_address=str(data.get("claimant_address") or ""),
            attachments=tuple(str(a) for a in data.get("attachments") or ()),
            lines=tuple(DisputedLine(int(ln["line_no"]), str(ln.get("text") or ""))
                        for ln in data.get("lines") or ()),
            subject=str(data.get("subject") or ""), extra=dict(data.get("extra") or {}))

    def as_case_claim(self) -> dict[str, Any]:
        """The claim as the case's ``dispute.claims`` lists it."""
        return {"ref": self.ref, "channel": self.channel,
                "received_at": self.received_at.astimezone(dt.UTC).isoformat(),
                "amount": str(self.amount), "text": self.text[:MAX_TEXT],
                "attachment": self.attachments[0] if self.attachments else "",
                "claimant_address": self.claimant_address}
