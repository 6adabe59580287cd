"""What one entry says on its own: payer, references, remittance advice, partial wording.

Gathered once per entry from the entry and the index alone, so it never depends on the
order of the statement. The rules decide from it (and from the statement-wide ledger).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from bots.cashapp.matching.config import MatchingConfig
from bots.cashapp.matching.index import OpenItemIndex
from bots.cashapp.matching.normalize import mentions_any, normalize_name, raw_key, text_fragments
from bots.cashapp.matching.payer import Payer, identify_payer
from bots.cashapp.matching.references import (
    RefHit,
    entry_text,
    fuzzy_hits,
    structured_hits,
    text_hits,
)
from bots.cashapp.model import RemittanceAdvice, StatementEntry


@dataclass(slots=True)
class Evidence:
    position: int
    entry: StatementEntry
    payer: Payer | None = None
    structured: list[RefHit] = field(default_factory=list)
    hits: list[RefHit] = field(default_factory=list)  # invoice numbers found in the text
    rivals: list[RefHit] = field(default_factory=list)  # near matches not taken
    advices: list[RemittanceAdvice] = field(default_factory=list)
    partial: bool = False  # the text announces a partial payment

    @property
    def order_key(self) -> tuple[object, ...]:
        """Position-free order: decides which of two entries comes first, whatever the input."""
        e = self.entry
        return (
            e.booking_date,
            e.bank_reference,
            e.entry_id,
            e.value_date,
            e.amount,
            e.remittance_text,
            e.end_to_end_id or "",
            self.position,
        )


#: an advice's payment date and the bank's value date may differ by this many days
ADVICE_DAYS = 5


class AdviceBook:
    """Remittance advices, found by payment reference, or by payer name and amount within
    :data:`ADVICE_DAYS` of the advice's payment date (when it gives one)."""

    def __init__(self, advices: Iterable[RemittanceAdvice], config: MatchingConfig):
        self.config = config
        self.by_ref: dict[str, list[RemittanceAdvice]] = {}
        self.by_payer: dict[tuple[str, Decimal], list[RemittanceAdvice]] = {}
        for advice in advices:
            if advice.payment_reference:
                self.by_ref.setdefault(raw_key(advice.payment_reference), []).append(advice)
            if advice.payment_amount is not None:
                key = (normalize_name(advice.payer_name, config.legal_forms), advice.payment_amount)
                self.by_payer.setdefault(key, []).append(advice)

    def for_entry(self, entry: StatementEntry) -> list[RemittanceAdvice]:
        if not self.by_ref and not self.by_payer:
            return []
        keys = {raw_key(entry.bank_reference), raw_key(entry.end_to_end_id or "")}
        keys |= set(text_fragments(entry.remittance_text, 3, 4))
        found = {id(a): a for k in keys if k for a in self.by_ref.get(k, [])}
        name = normalize_name(entry.counterparty_name or "", self.config.legal_forms)
        found |= {id(a): a for a in self.by_payer.get((name, entry.amount), [])
                  if a.payment_date is None
                  or abs((entry.value_date - a.payment_date).days) <= ADVICE_DAYS}
        return [
            a
            for a in found.values()
            if a.payment_amount is None or a.payment_amount == entry.amount
        ]


def gather(
    position: int,
    entry: StatementEntry,
    index: OpenItemIndex,
    config: MatchingConfig,
    advices: AdviceBook,
) -> Evidence:
    ev = Evidence(position, entry)
    if not entry.is_credit:
        return ev
    ev.payer = identify_payer(entry, index, config)
    ev.structured = structured_hits(entry, index)
    text = entry_text(entry)
    ev.hits = text_hits(text, index, config)
    ev.partial = mentions_any(text, config.partial_keywords)
    ev.advices = advices.for_entry(entry)
    payer = ev.payer
    if (
        payer
        and not ev.structured
        and not any(h.item.customer_id == payer.customer_id for h in ev.hits)
    ):
        record = index.customers.get(payer.customer_id)
        choices = record.fuzzy_choices() if record else ({}, [])
        fuzzy, ev.rivals = fuzzy_hits(text, choices, index, config)
        ev.hits += fuzzy
    return ev
