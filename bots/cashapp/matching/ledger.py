"""Open amounts as the statement consumes them: no invoice is settled twice."""

from __future__ import annotations

from decimal import Decimal

from bots.cashapp.model import Allocation, OpenItem


class Ledger:
    """Remaining open amount per invoice, and which entries consumed it."""

    def __init__(self) -> None:
        self._remaining: dict[str, Decimal] = {}
        self._consumers: dict[str, list[str]] = {}
        self._touched: dict[str, dict[str, OpenItem]] = {}  # customer -> number -> item

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
            item = items[a.invoice_number]
            self._remaining[a.invoice_number] = self.open(item) - a.settles
            self._consumers.setdefault(a.invoice_number, []).append(entry_id)
            self._touched.setdefault(item.customer_id, {})[a.invoice_number] = item

    def touched(self, customer_id: str) -> dict[str, OpenItem]:
        """The customer's items this statement consumed (their open amount changed)."""
        return self._touched.get(customer_id, {})
