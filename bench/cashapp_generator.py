"""Seeded month-end cash-application scenarios with ground truth, for the matching benchmark.

``generate(entries, open_items, seed)`` builds customers (unique names, 0-2 IBANs), open
invoices, and a statement whose payments carry the noise of real remittance data in the
proportions of ``MIX``. ``Truth`` says what a correct engine posts (allocations with
write-off and discount) or which exception reason it raises.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from decimal import Decimal

from bench.cashapp_noise import LEGAL, TRADE, garble, stranger, word
from bots.cashapp.identifiers import make_iban, make_rf
from bots.cashapp.model import Direction, OpenItem, StatementEntry

DAY = dt.date(2026, 11, 30)
MIX: dict[str, float] = dict(  # share of entries per case
    exact_rf=0.24, invoice_text=0.18, prefix_missing=0.05, garbled=0.07, multi_invoice=0.06,
    no_reference=0.10, combination=0.03, bank_fee=0.03, discount=0.02, partial=0.03,
    short=0.04, overpayment=0.03, duplicate=0.04, unknown_payer=0.04, name_only=0.02,
    debit=0.02,
)  # fmt: skip
#: the skewed month end: more payments without a reference, and more combinations
SKEWED_MIX: dict[str, float] = dict(no_reference=0.4, combination=0.1)


@dataclass(frozen=True, slots=True)
class Truth:
    case: str
    allocations: frozenset[tuple[str, Decimal, Decimal, Decimal]] = frozenset()
    reason: str | None = None  # expected exception reason; None: a posting (or SKIP)


@dataclass
class MonthEnd:
    open_items: list[OpenItem]
    entries: list[StatementEntry]
    truth: dict[str, Truth]
    counts: dict[str, int]


def generate(entries: int = 2000, open_items: int = 20000, seed: int = 7, *,
             skewed: bool = False) -> MonthEnd:
    """``skewed``: customers of Pareto-distributed size (the largest holds up to a third of
    all open items, as a few large accounts do in many ledgers), each paying in proportion
    to its open items, with more payments that carry no reference; otherwise customers of
    about seven open items each, paying alike."""
    rnd = random.Random(seed)
    customers: list[tuple[str, str, tuple[str, ...]]] = []
    items: list[OpenItem] = []
    by_customer: list[list[int]] = []
    due = DAY - dt.timedelta(days=5)
    k = 0
    while len(items) < open_items:
        name = f"{word(k)} {TRADE[k % 8]} {LEGAL[k % 10]}"
        ibans = tuple(make_iban("DE", f"{10010010 + n}{k:010d}") for n in range(1 + k % 3 // 2))
        cid = f"C{k:06d}"
        customers.append((cid, name, ibans))
        if skewed:
            size = max(1, min(int(rnd.paretovariate(0.7)), open_items // 3))
        else:
            size = 1 + int(rnd.expovariate(1 / 7))
        count = min(open_items - len(items), size)
        slots = []
        for _ in range(count):
            slots.append(len(items))
            cents = rnd.randrange(5000, 2_000_000)
            items.append(OpenItem(f"INV-2026-{len(items) + 1:07d}", cid, name,
                                  Decimal(cents).scaleb(-2), "EUR", due, ibans))  # fmt: skip
        by_customer.append(slots)
        k += 1
    gen = _Statement(rnd, customers, items, by_customer, by_items=skewed)
    mix = {**MIX, **SKEWED_MIX} if skewed else MIX
    cases = list(mix)
    weights = [mix[c] for c in cases]
    for case in rnd.choices(cases, weights, k=entries):
        gen.make(case)
    return MonthEnd(gen.items, gen.entries, gen.truth, gen.counts)


class _Statement:
    def __init__(self, rnd: random.Random, customers: list, items: list[OpenItem],
                 by_customer: list[list[int]], *, by_items: bool = False) -> None:  # fmt: skip
        self.rnd, self.customers, self.items, self.by_customer = rnd, customers, items, by_customer
        # the customer of each open item: picking from it picks customers by their size
        self.owners = [c for c, slots in enumerate(by_customer) for _ in slots] if by_items \
            else None
        self.entries: list[StatementEntry] = []
        self.truth: dict[str, Truth] = {}
        self.counts: dict[str, int] = {}
        self.used: set[int] = set()
        self.copyable: list[int] = []

    def _pick(self, n: int = 1) -> tuple[int, list[int]]:
        while True:
            c = (self.owners[self.rnd.randrange(len(self.owners))] if self.owners
                 else self.rnd.randrange(len(self.customers)))
            free = [i for i in self.by_customer[c] if i not in self.used]
            if len(free) >= n:
                chosen = self.rnd.sample(free, n)
                self.used.update(chosen)
                return c, chosen

    def _add(self, case: str, amount: Decimal, text: str, c: int | None, truth: Truth, *,
             ref: str | None = None, name_only: bool = False,
             credit: bool = True) -> None:  # fmt: skip
        n = len(self.entries)
        _, name, ibans = self.customers[c] if c is not None else ("", stranger(n), ())
        iban = None if name_only or not ibans else self.rnd.choice(ibans)
        if c is None:
            iban = make_iban("IE", f"ZZZZ{n:014d}")
        if name_only:
            name = self.rnd.choice((name.upper(), name.rsplit(" ", 1)[0], name.replace(".", "")))
        entry = StatementEntry(f"E{n:06d}", amount, "EUR",
                               Direction.CREDIT if credit else Direction.DEBIT, DAY, DAY,
                               f"BNK{n:09d}", None, name, iban, ref, text)  # fmt: skip
        self.entries.append(entry)
        self.truth[entry.entry_id] = truth
        self.counts[case] = self.counts.get(case, 0) + 1
        if case in ("exact_rf", "invoice_text"):
            self.copyable.append(n)

    def _posting(self, case: str, *allocs: tuple[str, Decimal, Decimal, Decimal]) -> Truth:
        return Truth(case, frozenset(allocs))

    def make(self, case: str) -> None:
        special = getattr(self, f"_{case}", None)
        return special() if special else self._text_case(case)

    def _text_case(self, case: str) -> None:
        c, (i,) = self._pick()
        it = self.items[i]
        num, amt, rnd = it.invoice_number, it.amount_open, self.rnd
        core = num.split("-", 1)[1]
        if case == "exact_rf":
            rf = make_rf(num.replace("-", ""))
            self.items[i] = it._replace(creditor_reference=rf)
            return self._add(case, amt, "", c, self._posting(case, (num, amt, _0, _0)), ref=rf)
        texts = {
            "invoice_text": (f"Payment {num}", f"inv {num.replace('-', '')}", f"{num} thanks"),
            "name_only": (f"Invoice {num}",),
            "prefix_missing": (f"FACTURA {core}", f"Rechnung {core.replace('-', ' ')}"),
            "garbled": (garble(num, rnd),),
        }
        if case in texts:
            text = rnd.choice(texts[case])
            return self._add(case, amt, text, c, self._posting(case, (num, amt, _0, _0)),
                             name_only=case == "name_only")  # fmt: skip
        if case == "bank_fee":
            fee = Decimal(rnd.randrange(1, max(2, min(500, int(amt * 4 / 10))))).scaleb(-2)
            truth = self._posting(case, (num, amt - fee, fee, _0))
            return self._add(case, amt - fee, num, c, truth)
        if case == "discount":
            self.items[i] = it._replace(discount_percent=Decimal(2), discount_until=DAY)
            disc = (amt * 2 / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
            truth = self._posting(case, (num, amt - disc, _0, disc))
            return self._add(case, amt - disc, f"{num} 2% Skonto", c, truth)
        if case == "partial":
            part = (amt * Decimal(rnd.randrange(20, 80)) / 100).quantize(Decimal("0.01"))
            word = rnd.choice(("partial payment", "Teilzahlung", "a conto", "installment 1/3"))
            truth = self._posting(case, (num, part, _0, _0))
            return self._add(case, part, f"{num} {word}", c, truth)
        if case == "short":
            cut = (amt * Decimal(rnd.randrange(5, 30)) / 100).quantize(Decimal("0.01"))
            truth = Truth(case, reason="SHORT_PAYMENT")
            return self._add(case, amt - cut, f"{num} less {cut} damaged", c, truth)
        if case == "overpayment":
            extra = Decimal(rnd.randrange(1000, 50000)).scaleb(-2)
            return self._add(case, amt + extra, num, c, Truth(case, reason="OVERPAYMENT"))
        if case == "no_reference":
            text = rnd.choice(("", "SEPA CREDIT TRANSFER", "payment"))
            return self._add(case, amt, text, c, self._posting(case, (num, amt, _0, _0)))
        raise ValueError(case)

    def _multi_invoice(self) -> None:
        c, idx = self._pick(self.rnd.randrange(2, 5))
        its = [self.items[i] for i in idx]
        text = " ".join(i.invoice_number for i in its)
        truth = self._posting("multi_invoice", *((i.invoice_number, i.amount_open, _0, _0)
                                                for i in its))  # fmt: skip
        self._add("multi_invoice", sum((i.amount_open for i in its), _0), text, c, truth)

    def _combination(self) -> None:
        c, idx = self._pick(2)
        its = [self.items[i] for i in idx]
        truth = self._posting("combination", *((i.invoice_number, i.amount_open, _0, _0)
                                              for i in its))  # fmt: skip
        self._add("combination", sum((i.amount_open for i in its), _0), "", c, truth)

    def _duplicate(self) -> None:
        if not self.copyable:
            return self._text_case("invoice_text")
        src = self.entries[self.rnd.choice(self.copyable)]
        n = len(self.entries)
        self.entries.append(replace(src, entry_id=f"E{n:06d}", bank_reference=f"BNK{n:09d}"))
        self.truth[f"E{n:06d}"] = Truth("duplicate", reason="DUPLICATE")
        self.counts["duplicate"] = self.counts.get("duplicate", 0) + 1

    def _unknown_payer(self) -> None:
        text = self.rnd.choice(("", f"Order {self.rnd.randrange(10000, 99999)}", "thanks"))
        amount = Decimal(self.rnd.randrange(5000, 900000)).scaleb(-2)
        self._add("unknown_payer", amount, text, None, Truth("unknown_payer",
                                                             reason="UNKNOWN_PAYER"))  # fmt: skip

    def _debit(self) -> None:
        amount = Decimal(self.rnd.randrange(100, 90000)).scaleb(-2)
        self._add("debit", amount, "fee", None, Truth("debit"), credit=False)


_0 = Decimal("0")
