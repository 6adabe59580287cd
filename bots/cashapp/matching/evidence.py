"""What one entry says on its own: payer, references, remittance advice, partial wording.

Gathered once per entry from the entry and the index alone, so it never depends on the
order of the statement. The rules decide from it (and from the statement-wide ledger).
What depends on part of an entry only (its text, its payer's account and name) is worked
out once per distinct value of a statement (:class:`Seen`): a month end repeats them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from bots.cashapp.matching.config import MatchingConfig
from bots.cashapp.matching.fuzzy_search import Found, closest_all
from bots.cashapp.matching.index import OpenItemIndex
from bots.cashapp.matching.normalize import mentions_any, normalize_name, raw_key, text_fragments
from bots.cashapp.matching.payer import Payer, identify_payer
from bots.cashapp.matching.references import (
    RefHit,
    entry_text,
    fuzzy_hits,
    fuzzy_queries,
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
    fuzzy_due: bool = False  # the payer's garbled numbers are still to be searched

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


class Seen:
    """What entries of one statement share, worked out for the first of them: the payer
    of an account and name, the references and partial wording of a text. Each is a pure
    function of that part of the entry and the index, so the evidence is the same."""

    def __init__(self) -> None:
        self.payers: dict[tuple[str | None, str | None], Payer | None] = {}
        self.texts: dict[str, tuple[list[RefHit], bool]] = {}
        self.structured: dict[tuple[str | None, str], list[RefHit]] = {}


def gather(
    position: int,
    entry: StatementEntry,
    index: OpenItemIndex,
    config: MatchingConfig,
    advices: AdviceBook,
    seen: Seen | None = None,
    *,
    fuzzy: bool = True,
) -> Evidence:
    """What ``entry`` says on its own. ``fuzzy=False``: the search for garbled invoice
    numbers is left to :func:`add_fuzzy_hits` (``fuzzy_due``), which does it for all the
    evidence of a statement at once."""
    ev = Evidence(position, entry)
    if not entry.is_credit:
        return ev
    seen = seen or Seen()
    account = (entry.counterparty_iban, entry.counterparty_name)
    if account in seen.payers:
        ev.payer = seen.payers[account]
    else:
        ev.payer = seen.payers[account] = identify_payer(entry, index, config)
    refs = (entry.creditor_reference, entry.remittance_text)
    structured = seen.structured.get(refs)
    if structured is None:
        structured = seen.structured[refs] = structured_hits(entry, index)
    ev.structured = list(structured)
    text = entry_text(entry)
    found = seen.texts.get(text)
    if found is None:
        found = seen.texts[text] = (text_hits(text, index, config),
                                    mentions_any(text, config.partial_keywords))
    ev.hits, ev.partial = list(found[0]), found[1]
    ev.advices = advices.for_entry(entry)
    payer = ev.payer
    if (
        payer
        and not ev.structured
        and not any(h.item.customer_id == payer.customer_id for h in ev.hits)
    ):
        ev.fuzzy_due = True
        if fuzzy:
            add_fuzzy_hits([ev], index, config)
    return ev


def add_fuzzy_hits(evidences: Iterable[Evidence], index: OpenItemIndex,
                   config: MatchingConfig) -> None:
    """The payer's invoices named by garbled numbers, for each evidence ``fuzzy_due``.

    The queries of all payments of one customer are searched together: a customer with a
    large share of the open items is prepared once per batch, not once per payment."""
    due = [(ev, ev.payer.customer_id) for ev in evidences
           if ev.fuzzy_due and ev.payer is not None]
    queries: dict[str, set[str]] = {}
    for ev, customer_id in due:
        queries.setdefault(customer_id, set()).update(fuzzy_queries(entry_text(ev.entry), config))
    searched: dict[str, dict[str, Found]] = {}
    for customer_id, wanted in queries.items():
        record = index.customers.get(customer_id)
        keys = record.fuzzy_choices()[1] if record else []
        searched[customer_id] = closest_all(sorted(wanted), keys, config.invoice_fuzzy_cutoff)
    for ev, customer_id in due:
        record = index.customers.get(customer_id)
        choices = record.fuzzy_choices() if record else ({}, [])
        fuzzy, ev.rivals = fuzzy_hits(entry_text(ev.entry), choices, index, config,
                                      searched[customer_id])
        ev.hits += fuzzy
        ev.fuzzy_due = False
