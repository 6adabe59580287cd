"""Seeding exception cases the way the payment-posting bot leaves them: a failed work item
with the bank line and matching decision, and the case opened for it (its data holds the
item's payload, as the SDK records it)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from orchestrator.store import Store
from orchestrator.store.models import User

QUEUE = "payment-posting"
_refs = itertools.count(1)


def payload(reference: str, amount: str, candidates: list[dict[str, Any]], *,
            payer: str = "Fjord Marine AS", text: str = "", customer: str | None = "C1006",
            reason: str = "AMBIGUOUS") -> dict[str, Any]:
    return {
        "statement": {"id": "STMT-1", "account": "DE00", "format": "camt.053", "file": ""},
        "entry": {"entry_id": reference, "amount": amount, "currency": "EUR",
                  "direction": "CRDT", "booking_date": "2026-11-20",
                  "value_date": "2026-11-20", "bank_reference": reference,
                  "end_to_end_id": None, "counterparty_name": payer,
                  "counterparty_iban": "NO9386011117947", "creditor_reference": None,
                  "remittance_text": text},
        "decision": "exception", "reason": reason, "rule": "amount_only",
        "confidence": 0.5, "explanation": "two open invoices have that amount",
        "customer_id": customer, "partial": False, "allocations": [],
        "candidates": candidates,
    }


def candidate(number: str, open_amount: str, customer: str = "C1006") -> dict[str, Any]:
    return {"invoice_number": number, "customer_id": customer, "amount_open": open_amount,
            "score": 0.5, "why": "amount equals the open amount"}


def seed_case(store: Store, *, reason: str = "AMBIGUOUS", amount: str = "2000.00",
              candidates: list[dict[str, Any]] | None = None, kind: str = "business",
              payer: str = "Fjord Marine AS", text: str = "", customer: str | None = "C1006",
              run_id: int | None = None, reference: str | None = None,
              bot: str = "payment-posting") -> Any:
    """A failed item and its open case (like Poster.open_case); each case gets a queue of
    its own so that items other tests queued never get in the way of the claim."""
    n = next(_refs)
    queue = f"{QUEUE}-{n}"
    store.ensure_queue(queue)
    reference = reference or f"NWB-TEST-{n:06d}"
    cands = candidates if candidates is not None else [
        candidate("INV-2026-1010", "2000.00"), candidate("INV-2026-1011", "2000.00")]
    body = payload(reference, amount, cands, payer=payer, text=text, customer=customer,
                   reason=reason)
    if run_id is None:
        run_id = store.start_run(bot, {}, "test-host", 1).id
    item = store.add_item(queue, reference, body)
    claimed = store.claim_item(queue, "test-robot", run_id=run_id)
    assert item is not None and claimed is not None and claimed.id == item.id
    clone = store.fail_item(item.id, kind, reason, "stopped for a person")
    while clone is not None:  # a technical failure becomes a case once retries run out
        item = store.claim_item(queue, "test-robot", run_id=run_id)
        assert item is not None and item.id == clone.id
        clone = store.fail_item(item.id, kind, reason, "stopped for a person")
    return store.open_case(
        run_id, item.id, reference, reason, f"{reason}: {payer} paid {amount}",
        rule=body["rule"], data={"payload": body, "explanation": body["explanation"],
                                 "failure_kind": kind},
        candidates=cands, evidence=["screenshots/0001-failed-transaction.png"],
        amount=Decimal(amount), customer_id=customer)


def add_person(store: Store, name: str, roles: list[str]) -> None:
    """A user for assignment checks (no password needed for store tests)."""
    with store._tx(write=True) as s:
        s.add(User(username=name, password_hash="x", roles=roles))


def post_item(store: Store, item_id: int, *, confirmation: str = "CR-000123",
              fail: str | None = None) -> None:
    """The posting bot's part: claim the queued item and complete (or fail) it."""
    run = store.start_run("payment-posting", {"phase": "post"}, "test-host", 2)
    claimed = store.claim_item(store.get_item(item_id).queue, "bot-robot", run_id=run.id)
    assert claimed is not None and claimed.id == item_id, claimed
    if fail:
        store.fail_item(item_id, "business", fail, "Invoice INV-X does not exist.")
    else:
        store.complete_item(item_id, {"confirmation": confirmation, "already_posted": False})
