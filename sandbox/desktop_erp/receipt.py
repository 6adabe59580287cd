"""Cash receipt entry (F3): the header fields and five allocation rows.

Tab order: Customer (Alt+C; F4 searches), Value Date (Alt+D; DD.MM.YYYY or
YYYY-MM-DD), Bank Reference (Alt+B), Amount (Alt+A), then per row Invoice (Alt+I jumps
to row 1), Applied, Difference, Reason code (empty, BANK_CHARGES or CASH_DISCOUNT).
F9 posts: the web ERP's validation, a Yes/No confirmation, the save (slow), then the
"Receipt Posted" notice with the confirmation number. A refused entry shows the
"Posting Refused" message and keeps the input. Esc discards the entry.
"""

from __future__ import annotations

from decimal import Decimal
from tkinter import ttk
from typing import TYPE_CHECKING

from sandbox.desktop_erp.customer_search import search_customer
from sandbox.desktop_erp.dialogs import confirm, message, show_receipt
from sandbox.desktop_erp.widgets import Screen, labelled_entry
from sandbox.erp.layout import ROWS
from sandbox.erp.receipt_form import ReceiptError, ReceiptInput, RowInput, validate

if TYPE_CHECKING:
    from sandbox.desktop_erp.app import DesktopErpApp

__all__ = ["CashReceipt"]

RUNTIME_ERROR = ("Run-time error '3021':\n\nThe record is locked by another user.\n"
                 "The cash receipt was not saved.")


class CashReceipt(Screen):
    title = "Cash Receipt Entry"

    def __init__(self, app: DesktopErpApp) -> None:
        super().__init__(app.body)
        self.app = app
        self.customer = labelled_entry(self, 0, "Customer", 0, width=12)
        self.customer_name = ttk.Label(self, text="", width=36)  # the layout stays put
        self.customer_name.grid(row=0, column=2, sticky="w")
        self.value_date = labelled_entry(self, 1, "Value Date", 6, width=12)
        self.bank_ref = labelled_entry(self, 2, "Bank Reference", 0, width=28)
        self.amount = labelled_entry(self, 3, "Amount", 0, width=14)
        table = ttk.Frame(self)
        table.grid(row=4, column=0, columnspan=3, sticky="w", padx=8, pady=(12, 0))
        for col, heading in enumerate(("#", "Invoice", "Applied", "Difference", "Reason")):
            ttk.Label(table, text=heading, underline=0 if heading == "Invoice" else -1).grid(
                row=0, column=col, sticky="w", padx=2)
        self.rows: list[list[ttk.Entry]] = []
        for n in range(1, ROWS + 1):
            ttk.Label(table, text=str(n)).grid(row=n, column=0, padx=2)
            row = [ttk.Entry(table, width=w) for w in (18, 12, 10, 16)]
            for col, entry in enumerate(row, start=1):
                entry.grid(row=n, column=col, padx=2, pady=1)
            self.rows.append(row)
        self.fields = [self.customer, self.value_date, self.bank_ref, self.amount,
                       *(e for row in self.rows for e in row)]
        self.mnemonics = {"c": self.customer, "d": self.value_date, "b": self.bank_ref,
                          "a": self.amount, "i": self.rows[0][0]}
        self.keys = {"F4": self.lookup, "F9": self.post}
        self.first = self.customer
        self.customer.bind("<FocusOut>", lambda e: self._show_name())

    def on_show(self) -> None:
        self.clear()
        self.app.status("F9 post, F4 customer search, Esc cancel")

    def clear(self) -> None:
        for entry in self.fields:
            entry.delete(0, "end")
        self.customer_name.configure(text="")
        self.customer.focus_set()

    def _show_name(self) -> None:
        customer = self.app.db.customer(self.customer.get().strip())
        self.customer_name.configure(text=customer["name"] if customer else "")

    def lookup(self) -> None:
        picked = search_customer(self.app.root, self.app.db, self.customer.get().strip())
        if picked:
            self.customer.delete(0, "end")
            self.customer.insert(0, picked)
            self._show_name()
        self.customer.focus_set()

    def _input(self) -> ReceiptInput:
        rows = [RowInput(inv.get().strip(), applied.get().strip(), diff.get().strip(),
                         reason.get().strip().upper() or "NONE")
                for inv, applied, diff, reason in self.rows]
        return ReceiptInput(self.customer.get().strip().upper(), self.value_date.get().strip(),
                            self.bank_ref.get().strip(), self.amount.get().strip(), rows)

    def post(self) -> None:
        app = self.app
        try:
            receipt = validate(self._input(), app.db)
        except ReceiptError as exc:
            message(app.root, "Posting Refused", str(exc))
            return
        amount = f"{receipt.amount:,.2f}"
        if not confirm(app.root, "Confirm Posting",
                       f"Post cash receipt {receipt.bank_reference} of {amount} EUR "
                       f"for customer {receipt.customer_id}?"):
            return
        with app.busy():
            app.knobs.pause()
            failed = app.knobs.modal_error_for(receipt.bank_reference)
            confirmation = "" if failed else app.db.post(receipt, app.user)
        if failed:
            message(app.root, "NWC Financials - Run-time Error", RUNTIME_ERROR)
            return
        applied = sum((ln.amount for ln in receipt.lines), Decimal("0.00"))
        show_receipt(app.root, confirmation,
                     f"Cash receipt {receipt.bank_reference} posted for customer "
                     f"{receipt.customer_id}: {applied:,.2f} EUR on {len(receipt.lines)} "
                     "invoice(s).\nConfirmation No.:")
        self.clear()
