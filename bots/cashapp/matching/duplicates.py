"""Rule (g): payments seen before, in this statement or in the history of postings.

The original of a group is the first by booking date, then bank reference (then the
other entry fields), so the verdict does not depend on the order of the statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bots.cashapp.identifiers import compact
from bots.cashapp.matching.config import MatchingConfig
from bots.cashapp.matching.evidence import Evidence
from bots.cashapp.matching.normalize import fold, normalize_name, raw_key
from bots.cashapp.model import Candidate, Decision, MatchResult, ReasonCode


@dataclass(frozen=True, slots=True)
class PostedPayment:
    """A payment already posted (by an earlier run), for duplicate checks."""

    bank_reference: str
    booking_date: dt.date
    amount: Decimal
    customer_id: str | None = None
    invoice_numbers: tuple[str, ...] = ()


def _payer_key(ev: Evidence, config: MatchingConfig) -> str | None:
    e = ev.entry
    if ev.payer is not None:
        return f"C:{ev.payer.customer_id}"
    if e.counterparty_iban:
        return f"I:{compact(e.counterparty_iban)}"
    name = normalize_name(e.counterparty_name or "", config.legal_forms)
    return f"N:{name}" if name else None


def _invoices(ev: Evidence) -> frozenset[str]:
    return frozenset(h.item.invoice_number for h in (*ev.structured, *ev.hits))


def content_key(ev: Evidence, config: MatchingConfig) -> tuple[object, ...] | None:
    """Same payer, amount and reference; ``None`` when the entry carries no reference."""
    payer = _payer_key(ev, config)
    invoices = _invoices(ev)
    text = fold(raw_key(f"{ev.entry.creditor_reference or ''}{ev.entry.remittance_text}"))
    reference: object = invoices or text
    if payer is None or not reference:
        return None
    return (payer, ev.entry.currency, ev.entry.amount, reference)


def find_duplicates(
    evidences: Sequence[Evidence], history: Iterable[PostedPayment], config: MatchingConfig
) -> dict[int, MatchResult]:
    """Entry position -> DUPLICATE result, for every credit that repeats an earlier payment."""
    window = dt.timedelta(days=config.duplicate_window_days)
    posted_refs = {p.bank_reference: p for p in history}
    posted_by_payer: dict[tuple[str, Decimal], list[PostedPayment]] = {}
    for p in posted_refs.values():
        if p.customer_id:
            posted_by_payer.setdefault((p.customer_id, p.amount), []).append(p)
    by_ref: dict[str, Evidence] = {}
    by_key: dict[tuple[object, ...], Evidence] = {}
    found: dict[int, MatchResult] = {}
    for ev in sorted(evidences, key=lambda v: v.order_key):
        e = ev.entry
        why = _posted_before(ev, posted_refs, posted_by_payer, window)
        first = by_ref.get(e.bank_reference)
        if why is None and first is not None and _same_payment(first, ev):
            why = f"same bank reference as entry {first.entry.entry_id}"
        key = content_key(ev, config)
        first = by_key.get(key) if key else None
        if (
            why is None
            and first is not None
            and e.booking_date - first.entry.booking_date <= window
        ):
            why = (
                f"same payer, amount and reference as entry {first.entry.entry_id} "
                f"({first.entry.bank_reference}, booked {first.entry.booking_date})"
            )
        if why is not None:
            cands = tuple(
                Candidate(
                    n,
                    ev.payer.customer_id if ev.payer else "",
                    Decimal("0"),
                    0.0,
                    "named by the duplicate",
                )
                for n in sorted(_invoices(ev))
            )
            found[ev.position] = MatchResult(
                e.entry_id,
                Decision.EXCEPTION,
                "duplicate",
                0.95,
                ReasonCode.DUPLICATE,
                why,
                ev.payer.customer_id if ev.payer else None,
                (),
                cands,
            )
            continue
        by_ref.setdefault(e.bank_reference, ev)
        if key:
            by_key.setdefault(key, ev)
    return found


def _same_payment(a: Evidence, b: Evidence) -> bool:
    """Same bank reference; batch details share it but differ in end-to-end id or amount."""
    ea, eb = a.entry, b.entry
    if ea.end_to_end_id and eb.end_to_end_id and ea.end_to_end_id != eb.end_to_end_id:
        return False
    return ea.amount == eb.amount


def _posted_before(
    ev: Evidence,
    refs: dict[str, PostedPayment],
    by_payer: dict[tuple[str, Decimal], list[PostedPayment]],
    window: dt.timedelta,
) -> str | None:
    e = ev.entry
    if e.bank_reference in refs:
        return f"bank reference {e.bank_reference} was posted before"
    invoices = _invoices(ev)
    if ev.payer is None or not invoices:
        return None
    for p in by_payer.get((ev.payer.customer_id, e.amount), []):
        if set(p.invoice_numbers) == invoices and abs(e.booking_date - p.booking_date) <= window:
            return f"same payer, amount and invoices as posted payment {p.bank_reference}"
    return None
