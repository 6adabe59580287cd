"""Dictionary indexes over the open items, so no rule ever scans all of them.

Keys: folded invoice number, folded invoice number without prefix (core), creditor
reference, customer id, each IBAN, normalized customer name; per customer, the open
items by amount (built on first use). Rows of one customer that differ only in the IBAN
(an ERP export with one row per bank account) merge into one customer with all IBANs.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import TypeVar

from bots.cashapp.bulk import paused_gc
from bots.cashapp.identifiers import compact
from bots.cashapp.matching.config import MatchingConfig
from bots.cashapp.matching.normalize import (
    batch_fuzzy_keys,
    batch_invoice_keys,
    invoice_keys,
    normalize_name,
    raw_key,
)
from bots.cashapp.model import OpenItem

T = TypeVar("T")
_NUMBER = attrgetter("invoice_number")


class _MultiTable:
    """Fills a key -> value table where a key may get several values: those keys end up
    with a tuple of their values in the order first added, without repeats. Adding costs
    the same however many values a key has already (an IBAN or a name shared by thousands
    of customers must not make the index grow with their square)."""

    def __init__(self, table: dict[str, object]) -> None:
        self.table = table
        self._more: dict[str, tuple[list[object], set[object]]] = {}

    def add(self, key: str, value: object) -> None:
        current = self.table.setdefault(key, value)
        if current is value:
            return
        group = self._more.get(key)
        if group is None:
            if current != value:
                self._more[key] = ([current, value], {current, value})
        elif value not in group[1]:
            group[0].append(value)
            group[1].add(value)

    def finish(self) -> dict[str, object]:
        """The table, each key with several values holding them as a tuple (an OpenItem
        is a named tuple, never a plain one: ``type(value) is tuple`` tells them apart)."""
        for key, (values, _) in self._more.items():
            self.table[key] = tuple(values)
        self._more = {}
        return self.table


def _table(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """Every pair added in order, in one step for the keys that occur once."""
    table: dict[str, object] = dict(pairs)
    if len(table) != len(pairs):
        shared = {key for key, count in Counter(key for key, _ in pairs).items() if count > 1}
        for key in shared:
            del table[key]
        multi = _MultiTable(table)
        for key, value in pairs:
            if key in shared:
                multi.add(key, value)
        multi.finish()
    return table


def around(ordered: Sequence[T], amount: Decimal, count: int,
           key: Callable[[T], Decimal] | None = None) -> tuple[int, int]:
    """``lo, hi`` of the ``count`` rows below ``amount`` and the ``count`` from it up in
    ``ordered`` (ascending by ``key``, the rows themselves when none), widened to take every
    row of the same amount as those at the edges."""
    at = key or (lambda row: row)  # type: ignore[assignment, return-value]
    pos = bisect_left(ordered, amount, key=key)  # type: ignore[arg-type]
    lo, hi = max(0, pos - count), min(len(ordered), pos + count)
    while lo > 0 and at(ordered[lo - 1]) == at(ordered[lo]):
        lo -= 1
    while 0 < hi < len(ordered) and at(ordered[hi]) == at(ordered[hi - 1]):
        hi += 1
    return lo, hi


def _by_size(item: OpenItem) -> tuple[float, Decimal, str]:
    """Sort key for (open amount, invoice number), compared on a float first: a Decimal
    made a float never changes places with another, and equal floats fall back to the
    Decimals, so the order is the same, at half the cost for a customer's many items."""
    return (float(item.amount_open), item.amount_open, item.invoice_number)


def _get(table: dict[str, object], key: str) -> tuple[T, ...]:
    current = table.get(key)
    if current is None:
        return ()
    return current if type(current) is tuple else (current,)  # type: ignore[return-value]


@dataclass(slots=True)
class CustomerRecord:
    customer_id: str
    names: list[str] = field(default_factory=list)
    ibans: set[str] = field(default_factory=set)
    items: list[OpenItem] = field(default_factory=list)
    _by_amount: dict[Decimal, list[OpenItem]] | None = None
    # by currency ("" for all): amounts ascending, the items in that order
    _by_size: dict[str, tuple[list[Decimal], list[OpenItem]]] | None = None
    _fuzzy: tuple[dict[str, OpenItem], list[str]] | None = None

    @property
    def name(self) -> str:
        return self.names[0] if self.names else self.customer_id

    def with_amount(self, amount: Decimal) -> list[OpenItem]:
        """The customer's items open for exactly ``amount``, by invoice number (never in
        the export's row order: the first of them are the ones a person is shown)."""
        if self._by_amount is None:
            table: dict[Decimal, list[OpenItem]] = {}
            for item in self._sizes("")[1]:
                table.setdefault(item.amount_open, []).append(item)
            self._by_amount = table
        return self._by_amount.get(amount, [])

    def count(self, currency: str = "") -> int:
        """How many open items the customer has (in ``currency``; all when empty)."""
        return len(self._sizes(currency)[1])

    def near(self, amount: Decimal, count: int, currency: str = "") -> list[OpenItem]:
        """The open items around ``amount``: at least the ``count`` nearest below it and the
        ``count`` nearest from it up, with every item of the same amount as the last ones
        taken. Whatever order a caller wants among the ``count`` closest, they are in here,
        found by bisection instead of a pass over all of a large customer's items."""
        return self.window(amount, count, currency)[1]

    def window(self, amount: Decimal, count: int,
               currency: str = "") -> tuple[list[Decimal], list[OpenItem]]:
        """What :meth:`near` gives, with the open amounts of those items beside them."""
        amounts, order = self._sizes(currency)
        lo, hi = around(amounts, amount, count)
        return amounts[lo:hi], order[lo:hi]

    def near_except(self, amount: Decimal, count: int, skip: Container[str]) -> list[OpenItem]:
        """What :meth:`near` gives (of all currencies), leaving out the items whose number is
        in ``skip``: at least the ``count`` nearest below ``amount`` and the ``count``
        nearest from it up that are not skipped, with every further one of the same amount
        as the last taken. It walks out from ``amount`` instead of taking a window as wide as
        ``skip``, so a customer paid thousands of times in one statement costs no more."""
        amounts, order = self._sizes("")
        pos = bisect_left(amounts, amount)
        found: list[OpenItem] = []
        for step, start, stop in ((-1, pos - 1, -1), (1, pos, len(order))):
            taken, edge = 0, None
            for k in range(start, stop, step):
                if taken >= count and amounts[k] != edge:
                    break
                item = order[k]
                if item.invoice_number not in skip:
                    found.append(item)
                    taken, edge = taken + 1, amounts[k]
        return found

    def _sizes(self, currency: str) -> tuple[list[Decimal], list[OpenItem]]:
        if self._by_size is None:
            self._by_size = {}
        found = self._by_size.get(currency)
        if found is None:
            if currency:  # of the order of all currencies: one sort per customer, not two
                chosen = [i for i in self._sizes("")[1] if i.currency == currency]
            else:
                chosen = sorted(self.items, key=_by_size)
            found = self._by_size[currency] = ([i.amount_open for i in chosen], chosen)
        return found

    def fuzzy_choices(self) -> tuple[dict[str, OpenItem], list[str]]:
        """Folded invoice numbers and their cores -> item, for fuzzy search (built once).

        In invoice-number order, not the export's: the search keeps the first of keys
        equally close, and which invoices a person is shown must not depend on how the ERP
        happened to order its rows."""
        if self._fuzzy is None:
            choices: dict[str, OpenItem] = {}
            items = sorted(self.items, key=_NUMBER)
            folded, cores = batch_fuzzy_keys([i.invoice_number for i in items])
            for item, key, core in zip(items, folded, cores, strict=True):
                choices.setdefault(key, item)
                choices.setdefault(core, item)
            self._fuzzy = (choices, list(choices))
        return self._fuzzy


class OpenItemIndex:
    """All lookups the rules need, each a dictionary access."""

    def __init__(self, items: Iterable[OpenItem], config: MatchingConfig | None = None):
        self.config = config or MatchingConfig()
        self.by_folded: dict[str, object] = {}
        self.by_core: dict[str, object] = {}
        self.by_rf: dict[str, object] = {}
        self.by_iban: dict[str, object] = {}
        self.by_name: dict[str, object] = {}
        self.customers: dict[str, CustomerRecord] = {}
        self._name_tokens: dict[str, list[str]] | None = None
        self.size = 0
        self.key_chars = ""  # every character used in a folded key (for edit variants)
        # while building: the tables a key may get several values in, and the names each
        # customer has (a set: a customer written with thousands of names stays linear)
        self._by_name = _MultiTable(self.by_name)
        self._by_iban = _MultiTable(self.by_iban)
        self._named: set[tuple[str, str]] = set()
        with paused_gc():
            self._build(items)
        self._by_name.finish()
        self._by_iban.finish()
        del self._by_name, self._by_iban, self._named

    def _build(self, items: Iterable[OpenItem]) -> None:
        """Keys for all numbers at once, each table filled in one step where no two items
        share a key (the usual case); otherwise item by item."""
        items = list(items)
        folded_keys, core_keys, self.key_chars = batch_invoice_keys(
            [i.invoice_number for i in items]
        )
        by_folded = dict(zip(folded_keys, items, strict=True))
        if len(by_folded) != len(items):  # folded numbers shared, or an invoice repeated
            self._build_each(items, folded_keys, core_keys)
            return
        self.by_folded = by_folded
        min_len = self.config.min_reference_length
        self.by_core = _table([(core, item) for core, folded, item
                               in zip(core_keys, folded_keys, items, strict=True)
                               if core != folded and len(core) >= min_len])
        self.by_rf = _table([(compact(item.creditor_reference), item) for item in items
                             if item.creditor_reference])
        self._file_customers(items)
        self.size = len(items)

    def _build_each(self, items: list[OpenItem], folded_keys: list[str],
                    core_keys: list[str]) -> None:
        """Item by item: several items under one key, and rows repeating an invoice."""
        min_len = self.config.min_reference_length
        by_folded, customers = self.by_folded, self.customers
        more_folded = _MultiTable(by_folded)
        by_core, by_rf = _MultiTable(self.by_core), _MultiTable(self.by_rf)
        numbers: set[str] = set()  # the invoice numbers taken into the tables
        repeated: set[int] = set()  # rows repeating an invoice for another IBAN
        for k, (item, folded, core) in enumerate(zip(items, folded_keys, core_keys,
                                                     strict=True)):
            if by_folded.setdefault(folded, item) is not item:
                if item.invoice_number in numbers:
                    repeated.add(k)
                    continue
                more_folded.add(folded, item)
            numbers.add(item.invoice_number)
            if core != folded and len(core) >= min_len:
                by_core.add(core, item)
            if item.creditor_reference:
                by_rf.add(compact(item.creditor_reference), item)
        more_folded.finish()
        by_core.finish()
        by_rf.finish()
        self._file_customers(items, repeated)
        self.size = sum(len(r.items) for r in customers.values())

    def _file_customers(self, items: list[OpenItem], repeated: Container[int] = ()) -> None:
        """Each item in its customer's record, with the customer's names and IBANs (once per
        distinct details, however its rows are scattered). ``repeated``: positions of rows
        that repeat an invoice for another IBAN: they add only their details."""
        customers = self.customers
        record: CustomerRecord | None = None
        known: set[tuple[str, str, tuple[str, ...]]] = set()
        for k, item in enumerate(items):
            if repeated and k in repeated:
                self._add_details(customers[item.customer_id], item)  # another IBAN row
                continue
            if record is None or record.customer_id != item.customer_id:
                record = customers.get(item.customer_id)
                if record is None:
                    record = customers[item.customer_id] = CustomerRecord(item.customer_id)
            record.items.append(item)
            details = (item.customer_id, item.customer_name, item.customer_ibans)
            if details not in known:
                self._add_details(record, item)
                known.add(details)

    def _add_details(self, record: CustomerRecord, item: OpenItem) -> None:
        """Names and IBANs of a customer, gathered over all of its rows."""
        named = (record.customer_id, item.customer_name)
        if item.customer_name and named not in self._named:
            self._named.add(named)
            record.names.append(item.customer_name)
            norm = normalize_name(item.customer_name, self.config.legal_forms)
            if norm:
                self._by_name.add(norm, item.customer_id)
        for iban in item.customer_ibans:
            key = raw_key(iban)
            if key not in record.ibans:
                record.ibans.add(key)
                self._by_iban.add(key, item.customer_id)

    def folded(self, key: str) -> tuple[OpenItem, ...]:
        return _get(self.by_folded, key)

    def core(self, key: str) -> tuple[OpenItem, ...]:
        return _get(self.by_core, key)

    def rf(self, reference: str) -> tuple[OpenItem, ...]:
        return _get(self.by_rf, compact(reference))

    def number(self, invoice_number: str) -> OpenItem | None:
        """The open item with this invoice number (exactly, else ignoring case and marks)."""
        found = self.folded(invoice_keys(invoice_number)[0])
        for item in found:
            if item.invoice_number == invoice_number:
                return item
        target = raw_key(invoice_number)
        same = [i for i in found if raw_key(i.invoice_number) == target]
        return same[0] if len(same) == 1 else None

    def customers_by_iban(self, iban: str) -> tuple[str, ...]:
        return _get(self.by_iban, raw_key(iban))

    def holds_iban(self, customer_id: str, iban: str) -> bool:
        """Whether ``customer_id`` is among :meth:`customers_by_iban` (a set lookup, not a
        pass over the thousands of customers an account may be shared by)."""
        record = self.customers.get(customer_id)
        return record is not None and raw_key(iban) in record.ibans

    def customers_by_name(self, normalized: str) -> tuple[str, ...]:
        return _get(self.by_name, normalized)

    def name_block(self, tokens: Iterable[str], cap: int = 5000) -> list[str]:
        """Normalized names sharing a word with ``tokens`` (words too common are skipped)."""
        if self._name_tokens is None:
            table: dict[str, list[str]] = {}
            for name in self.by_name:
                for tok in set(name.split()):
                    table.setdefault(tok, []).append(name)
            self._name_tokens = table
        found: dict[str, None] = {}
        for tok in tokens:
            names = self._name_tokens.get(tok, [])
            if len(names) <= cap:
                found.update(dict.fromkeys(names))
        return list(found)
