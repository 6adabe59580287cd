"""Payment inquiry (F6): the postings that carry a bank reference.

Bank reference (Alt+B), F5 searches; the focus then moves to the results grid (the first
row selected), and the status line says how many were found.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox.desktop_erp.dialogs import message
from sandbox.desktop_erp.widgets import Grid, Screen, labelled_entry

if TYPE_CHECKING:
    from sandbox.desktop_erp.app import DesktopErpApp

__all__ = ["PaymentInquiry"]

COLUMNS = [("confirmation", "Confirmation No.", 150), ("bank_reference", "Bank Reference", 170),
           ("customer", "Customer", 80), ("value_date", "Value Date", 90),
           ("amount", "Amount", 90), ("posted_at", "Posted At", 160), ("posted_by", "By", 70)]


class PaymentInquiry(Screen):
    title = "Payment Inquiry"

    def __init__(self, app: DesktopErpApp) -> None:
        super().__init__(app.body)
        self.app = app
        self.reference = labelled_entry(self, 0, "Bank Reference", 0, width=28)
        self.grid_ = Grid(self, COLUMNS, height=8)
        self.grid_.grid(row=1, column=0, columnspan=3, sticky="nsew", padx=8, pady=8)
        self.mnemonics = {"b": self.reference}
        self.keys = {"F5": self.search}
        self.first = self.reference

    def on_show(self) -> None:
        self.reference.delete(0, "end")
        self.grid_.load([])
        self.app.status("F5 search")
        super().on_show()

    def search(self) -> None:
        ref = self.reference.get().strip()
        if not ref:
            message(self.app.root, "Payment Inquiry", "Enter a bank reference.")
            return
        found = self.app.db.postings(ref)
        self.grid_.load([(p["confirmation"], p["bank_reference"], p["customer_id"],
                          p["value_date"], f"{Decimal(p['amount']):.2f}", p["posted_at"],
                          p["posted_by"]) for p in found])
        self.app.status(f"{len(found)} payment(s) found" if found
                        else f"No payments found for {ref}")
        self.grid_.focus_set()
