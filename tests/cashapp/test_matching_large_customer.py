"""A customer with thousands of open items: the candidates a person sees and the
combinations tried are still the closest ones in amount, and what the statement already
settled is judged by what is left open."""

from __future__ import annotations

import random
from decimal import Decimal

from matching_helpers import entry, item

from bots.cashapp.matching import MatchingConfig, OpenItemIndex
from bots.cashapp.matching.evidence import AdviceBook, gather
from bots.cashapp.matching.ledger import Ledger
from bots.cashapp.matching.results import Context, payer_items_near
from bots.cashapp.model import Allocation, OpenItem


def _big_customer(count: int = 3000) -> list[OpenItem]:
    rnd = random.Random(11)
    amounts = ["100.00", "250.00", "99.99"]  # many items share these amounts
    return [item(f"INV-{n:05d}", rnd.choice(amounts) if n % 3 == 0
                 else f"{rnd.randrange(1000, 90000) / 100:.2f}",
                 currency="USD" if n % 7 == 0 else "EUR") for n in range(count)]


def _closest(items: list[OpenItem], ledger: Ledger, amount: Decimal,
             limit: int) -> list[str]:
    """The rule as written: every open item of the payer, closest first."""
    still_open = [i for i in items if ledger.open(i) > 0]
    still_open.sort(key=lambda i: (abs(ledger.open(i) - amount), i.invoice_number))
    return [i.invoice_number for i in still_open[:limit]]


def test_candidates_are_the_closest_items_even_after_the_statement_consumed_some() -> None:
    items = _big_customer()
    config = MatchingConfig()
    index = OpenItemIndex(items, config)
    ledger = Ledger()
    by_number = {i.invoice_number: i for i in items}
    # earlier lines of the statement paid some items in part or in full
    for n, (number, paid) in enumerate([("INV-00003", "100.00"), ("INV-00006", "60.00"),
                                        ("INV-00010", "1.00"), ("INV-02999", "5.00")]):
        ledger.consume(f"E{n}", (Allocation(number, Decimal(paid)),),
                       {number: by_number[number]})
    ctx = Context(index, config, ledger)
    for amount in ("100.00", "40.00", "99.99", "0.50", "899.99", "250.00", "12345.00"):
        ev = gather(0, entry("P", amount), index, config, AdviceBook([], config))
        shown = [c.invoice_number for c in payer_items_near(ev, ctx)]
        assert shown == _closest(items, ledger, Decimal(amount), config.max_candidates)
    assert "INV-00003" not in shown  # settled in full: never proposed


def test_near_holds_the_closest_of_a_currency_with_ties_kept_together() -> None:
    items = _big_customer()
    record = OpenItemIndex(items).customers["C1"]
    # 100.004: hundreds of items at 100.00 just below, equally close: the first by number
    for amount in ("100.00", "100.004", "99.99", "250.00", "0.01", "999.00"):
        for currency in ("EUR", "USD", ""):
            pool = [i for i in items if not currency or i.currency == currency]
            assert record.count(currency) == len(pool)
            got = record.near(Decimal(amount), 5, currency)
            want = sorted(pool, key=lambda i: (abs(i.amount_open - Decimal(amount)),
                                               i.invoice_number))[:5]
            assert all(w in got for w in want)
            assert {i.currency for i in got} <= ({currency} if currency else {"EUR", "USD"})


class _CountingLedger(Ledger):
    """A ledger that counts how many open amounts a caller asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def open(self, item: OpenItem) -> Decimal:
        self.asked += 1
        return super().open(item)


def test_a_customer_paid_thousands_of_times_still_gets_the_closest_and_costs_no_more() -> None:
    """Half of a large customer's items settled by this statement, a tenth in part, some
    paid twice: the candidates are still the closest by what is left open, and finding
    them looks at a few dozen items, not at every item the statement touched."""
    rnd = random.Random(5)
    items = [item(f"INV-{n:05d}", f"{rnd.randrange(1000, 90000) / 100:.2f}")
             for n in range(3000)]  # amounts nearly all different: few ties to take along
    config = MatchingConfig()
    index = OpenItemIndex(items, config)
    ledger = _CountingLedger()
    for n, it in enumerate(rnd.sample(items, 1800)):
        part = n % 6 == 0  # paid in part, some of those twice, one in full at the second go
        paid = (it.amount_open / 3).quantize(Decimal("0.01")) if part else it.amount_open
        for again in range(2 if part and n % 4 == 0 else 1):
            rest = ledger.open(it)
            take = rest if again and n % 8 == 0 else min(paid, rest)
            ledger.consume(f"E{n}-{again}", (Allocation(it.invoice_number, take),),
                           {it.invoice_number: it})
    ctx = Context(index, config, ledger)
    probes = ["100.00", "99.99", "250.00", "0.01", "12345.00", "33.33", "899.99"]
    probes += [str(it.amount_open / 3) for it in items[:40]]
    for amount in probes:
        ev = gather(0, entry("P", amount), index, config, AdviceBook([], config))
        ledger.asked = 0
        shown = [c.invoice_number for c in payer_items_near(ev, ctx)]
        asked, ledger.asked = ledger.asked, 0
        assert shown == _closest(items, ledger, Decimal(amount), config.max_candidates)
        assert asked < 100, asked  # not the 1,800 items the statement touched
