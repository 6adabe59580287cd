"""Open items (F2): every invoice with an open amount, optionally of one customer.

Customer (Alt+C, F4 opens the customer search), F5 loads the grid. Loading takes a
while and runs in the background: the window title ends in ``[Loading...]`` meanwhile
and in ``[N items]`` once the grid is filled (the focus then moves to the grid). Dates
show as DD.MM.YYYY, amounts with thousands separators, a customer's bank accounts
separated by ``"; "``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox.desktop_erp.customer_search import search_customer
from sandbox.desktop_erp.widgets import Grid, Screen, labelled_entry

if TYPE_CHECKING:
    from sandbox.desktop_erp.app import DesktopErpApp

__all__ = ["OpenItems"]

COLUMNS = [("invoice", "Invoice No.", 110), ("customer", "Customer", 70),
           ("name", "Name", 170), ("accounts", "Bank Accounts", 200),
           ("due", "Due Date", 80), ("open", "Open Amount", 90), ("currency", "Cur", 40),
           ("rf", "RF Reference", 150), ("disc", "Disc. %", 60), ("until", "Disc. Until", 80)]


def _date(iso: str | None) -> str:
    return dt.date.fromisoformat(iso).strftime("%d.%m.%Y") if iso else ""


class OpenItems(Screen):
    title = "Open Items"

    def __init__(self, app: DesktopErpApp) -> None:
        super().__init__(app.body)
        self.app = app
        self.customer = labelled_entry(self, 0, "Customer", 0, width=12)
        self.grid_ = Grid(self, COLUMNS, height=14)
        self.grid_.grid(row=1, column=0, columnspan=3, sticky="nsew", padx=8, pady=8)
        self.mnemonics = {"c": self.customer}
        self.keys = {"F5": self.search, "F4": self.lookup}
        self.first = self.customer
        self._pending: str | None = None

    def on_show(self) -> None:
        if self._pending is not None:
            self.after_cancel(self._pending)
            self._pending = None
        self.customer.delete(0, "end")
        self.grid_.load([])
        self.app.status("F5 load, F4 customer search")
        super().on_show()

    def lookup(self) -> None:
        picked = search_customer(self.app.root, self.app.db, self.customer.get().strip())
        if picked:
            self.customer.delete(0, "end")
            self.customer.insert(0, picked)
        self.customer.focus_set()

    def search(self) -> None:
        if self._pending is not None:
            return
        self.app.set_title("[Loading...]")
        self.app.status("Loading open items...")
        self.grid_.load([])
        self._pending = self.after(self.app.knobs.slow_ms(), self._load)

    def _load(self) -> None:
        self._pending = None
        db = self.app.db
        ibans = db.ibans()
        rows, total = [], Decimal("0.00")
        for i in db.open_items(self.customer.get().strip().upper()):
            amount = Decimal(i["amount_open"])
            total += amount
            rows.append((i["invoice_number"], i["customer_id"], i["customer_name"],
                         "; ".join(ibans.get(i["customer_id"], [])), _date(i["due_date"]),
                         f"{amount:,.2f}", i["currency"], i["creditor_reference"] or "",
                         f"{Decimal(i['discount_percent']):.2f}", _date(i["discount_until"])))
        self.grid_.load(rows)
        self.app.set_title(f"[{len(rows)} items]")
        self.app.status(f"{len(rows)} open items, total {total:,.2f}")
        self.grid_.focus_set()
