"""Open amounts as the statement consumes them: no invoice is settled twice."""

from __future__ import annotations

from bisect import bisect_left, insort
from decimal import Decimal

from bots.cashapp.matching.index import around
from bots.cashapp.model import Allocation, OpenItem


class Ledger:
    """Remaining open amount per invoice, and which entries consumed it."""

    def __init__(self) -> None:
        self._remaining: dict[str, Decimal] = {}
        self._consumers: dict[str, list[str]] = {}
        self._touched: dict[str, dict[str, OpenItem]] = {}  # customer -> number -> item
        # per customer, the touched items not settled in full, by (open amount, number)
        self._still_open: dict[str, list[tuple[Decimal, str, OpenItem]]] = {}

    def open(self, item: OpenItem) -> Decimal:
        return self._remaining.get(item.invoice_number, item.amount_open)

    def consumers(self, invoice_number: str) -> list[str]:
        return self._consumers.get(invoice_number, [])

    def fits(self, allocations: tuple[Allocation, ...], items: dict[str, OpenItem]) -> bool:
        need: dict[str, Decimal] = {}
        for a in allocations:
            need[a.invoice_number] = need.get(a.invoice_number, Decimal("0")) + a.settles
        return all(
            a.invoice_number in items
            and need[a.invoice_number] <= self.open(items[a.invoice_number])
            and a.amount >= 0
            and a.write_off >= 0
            and a.discount >= 0
            for a in allocations
        )

    def consume(
        self, entry_id: str, allocations: tuple[Allocation, ...], items: dict[str, OpenItem]
    ) -> None:
        for a in allocations:
            item, number = items[a.invoice_number], a.invoice_number
            before = self.open(item)
            left = self._remaining[number] = before - a.settles
            self._consumers.setdefault(number, []).append(entry_id)
            touched = self._touched.setdefault(item.customer_id, {})
            still_open = self._still_open.setdefault(item.customer_id, [])
            if number in touched:  # no longer open at its former amount
                at = bisect_left(still_open, (before, number))
                if at < len(still_open) and still_open[at][1] == number:
                    del still_open[at]
            touched[number] = item
            if left > 0:
                insort(still_open, (left, number, item))

    def touched(self, customer_id: str) -> dict[str, OpenItem]:
        """The customer's items this statement consumed (their open amount changed)."""
        return self._touched.get(customer_id, {})

    def still_open_near(self, customer_id: str, amount: Decimal, count: int) -> list[OpenItem]:
        """Of :meth:`touched`, those with an amount still open (partly paid) nearest
        ``amount`` by that open amount: at least the ``count`` nearest below it and the
        ``count`` nearest from it up, with every further one of the same open amount as the
        last taken (so whatever order a caller wants among the ``count`` closest, they are
        in here)."""
        ordered = self._still_open.get(customer_id)
        if not ordered:
            return []
        lo, hi = around(ordered, amount, count, key=_open_amount)
        return [item for _, _, item in ordered[lo:hi]]


def _open_amount(row: tuple[Decimal, str, OpenItem]) -> Decimal:
    return row[0]
