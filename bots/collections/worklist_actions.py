"""What people ask from the collector's worklist, carried out in the ERP: each request is a
work item on ``collections-actions`` (written by the orchestrator's worklist), with the
action, the customer, the person and the fields:

- ``record_promise``: the promise entered on the ERP's promises page (source ``call``,
  reference ``WL-<item>``) and kept as a ``promise_to_pay`` record with the invoices' open
  amounts at the time (to judge it later);
- ``log_call``: a collection note of type ``call``;
- ``dunning_block``: the customer blocked from dunning with the reason, and a note;
- ``send_statement``: the account statement (PDF) mailed to the customer's contact.

A request carried out twice changes nothing twice: the ERP is looked at first (the note's
or the promise's reference, the block already set).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bots.collections.account_events import promise_changed
from bots.collections.erp import CollectionsErp
from bots.collections.promises import KIND, promise_key
from bots.collections.promises_erp import enter_promise, open_amounts
from bots.runtime import BusinessFailure, RunContext

__all__ = ["ACTION_QUEUE", "NOTE_KIND", "carry_out_requests", "note", "record_promise"]

ACTION_QUEUE = "collections-actions"
NOTE_KIND = "collection_note"


def note(ctx: RunContext, erp: CollectionsErp, customer_id: str, day: dt.date,
         note_type: str, text: str, reference: str, *, by: str) -> None:
    """A collection note in the ERP (once per reference) and as a ``collection_note``
    record (the customer page lists them)."""
    erp.add_note(customer_id, day, note_type, text, reference)
    ctx.records.put(NOTE_KIND, reference, {"note_date": day, "note_type": note_type,
                                           "text": text, "user": by},
                    customer_id=customer_id)


def record_promise(ctx: RunContext, customer_id: str, when: dt.date, amount: Decimal,
                   invoices: list[str], *, source: str, erp_promise_id: int | None,
                   open_now: dict[str, Decimal], **extra: Any) -> str:
    """Keep the promise in finbots (``promise_to_pay``); its key. An existing record of the
    same promise keeps its status and the open amounts it was made against."""
    key = promise_key(customer_id, when, invoices)
    before = ctx.records.get(KIND, key)
    data: dict[str, Any] = dict(before.data) if before else {
        "status": "open",
        "open_when_promised": {i: open_now[i] for i in invoices if i in open_now},
    }
    data.update({"customer_id": customer_id, "promised_date": when, "amount": amount,
                 "invoices": invoices, "source": data.get("source", source),
                 "erp_promise_id": erp_promise_id})
    for name, value in extra.items():
        data.setdefault(name, value)
    ctx.records.put(KIND, key, data, customer_id=customer_id)
    promise_changed(ctx, key, data)
    return key


def _promise(ctx: RunContext, erp: CollectionsErp, item_ref: str,
             p: dict[str, Any]) -> str:
    cid = str(p["customer_id"])
    when = dt.date.fromisoformat(str(p["promised_date"]))
    amount = Decimal(str(p["amount"]))
    invoices = [str(i) for i in p["invoices"]]
    open_now = open_amounts(erp).get(cid, {})
    if not all(i in open_now for i in invoices):
        missing = ", ".join(i for i in invoices if i not in open_now)
        raise BusinessFailure("PROMISE_INVOICE_NOT_OPEN",
                              f"{missing} is not an open invoice of {cid}",
                              data={"customer_id": cid, "invoices": invoices})
    reference = f"WL-{item_ref}"[:200]
    promise, entered = enter_promise(erp, cid, when, amount, invoices, "call", reference)
    record_promise(ctx, cid, when, amount, invoices, source="call",
                   erp_promise_id=promise.id, open_now=open_now,
                   entered_by=p.get("requested_by"), note=p.get("note", ""))
    said = "entered" if entered else "already in the ERP"
    return f"promise {promise.id} of {cid}: {amount} by {when} ({said})"


def carry_out_requests(ctx: RunContext, erp: CollectionsErp, *, today: dt.date,
                       mailbox: Any = None) -> dict[str, int]:
    """Carry out every waiting request; how many of each action were done."""
    done: dict[str, int] = {}
    for item in ctx.queue(ACTION_QUEUE).items():
        with item:
            p = dict(item.payload)
            action, cid = str(p.get("action")), str(p.get("customer_id"))
            who = str(p.get("requested_by", "someone"))
            if action == "record_promise":
                summary = _promise(ctx, erp, item.reference, p)
            elif action == "log_call":
                note(ctx, erp, cid, today, "call", f"{p.get('note', '')} (logged by {who})",
                     item.reference, by=who)
                summary = f"call noted for {cid}"
            elif action == "dunning_block":
                blocked = erp.set_dunning_block(cid, str(p.get("reason", "")))
                note(ctx, erp, cid, today, "note", f"Dunning block: {p.get('reason', '')} "
                     f"(asked by {who})", item.reference, by=who)
                summary = f"{cid} blocked from dunning" if blocked else f"{cid} was blocked"
            elif action == "send_statement":
                summary = _statement(ctx, erp, cid, today, item.reference, who, mailbox)
            else:
                raise BusinessFailure("UNKNOWN_REQUEST", f"no such request: {action!r}")
            item.output["summary"] = summary
            done[action] = done.get(action, 0) + 1
    return done


def _statement(ctx: RunContext, erp: CollectionsErp, cid: str, today: dt.date,
               reference: str, who: str, mailbox: Any) -> str:
    if mailbox is None:
        raise BusinessFailure("NO_MAILBOX", "no mailbox to send the statement from")
    if mailbox.sent_with_reference(reference):
        return f"statement for {cid} sent before"
    master = erp.master(cid)
    pdf = erp.statement_pdf(cid)
    mailbox.send(master.email, f"Account statement {master.name}",
                 "Please find attached your account statement.",
                 attachments=[(pdf.name, pdf.read_bytes(), "application/pdf")],
                 reference=reference)
    note(ctx, erp, cid, today, "note", f"Account statement sent (asked by {who})", reference,
         by=who)
    return f"statement sent to {master.email}"
