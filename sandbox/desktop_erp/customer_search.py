"""The customer search dialog (F4 in a customer field): search text, results, pick one.

Enter in the search text searches (id or name contains the text) and moves to the
results; Enter (or a double click) on a result picks it; Escape closes without a pick.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from sandbox.desktop_erp.dialogs import Modal
from sandbox.desktop_erp.widgets import Grid
from sandbox.erp.db import ErpDb

__all__ = ["search_customer"]


class CustomerSearch(Modal):
    def __init__(self, master: tk.Misc, db: ErpDb, text: str) -> None:
        super().__init__(master, "Customer Search", "Customer id or name contains:",
                         [("Cancel", "")], "", "")
        self.db = db
        self.query = ttk.Entry(self.body, width=30)
        self.query.insert(0, text)
        self.query.pack(anchor="w", pady=(4, 0))
        self.grid_ = Grid(self.body, [("id", "Customer", 90), ("name", "Name", 260)], height=8)
        self.grid_.pack(fill="both", expand=True, pady=8)
        self.status = ttk.Label(self.body, text="")
        self.status.pack(anchor="w")
        self.unbind("<Return>")
        self.query.bind("<Return>", self._search)
        self.grid_.bind("<Return>", self._pick)
        self.grid_.bind("<Double-1>", self._pick)
        self._place()

    def _search(self, event: tk.Event | None = None) -> str:
        rows = [(r["customer_id"], r["name"]) for r in self.db.customers(self.query.get())]
        self.grid_.load(rows)
        self.status.configure(text=f"{len(rows)} customer(s) found" if rows
                              else "No customers found")
        if rows:
            self.grid_.focus_set()
        return "break"

    def _pick(self, event: tk.Event | None = None) -> str:
        selected = self.grid_.selection()
        if selected:
            self.close(str(self.grid_.item(selected[0], "values")[0]))
        return "break"

    def run(self) -> str:
        self.wait_visibility()
        self.grab_set()
        self.query.focus_force()
        self.query.selection_range(0, "end")
        if self.query.get():
            self._search()
        self.wait_window()
        return self.result


def search_customer(master: tk.Misc, db: ErpDb, text: str = "") -> str:
    """The picked customer id, or ``""`` when the dialog was cancelled."""
    return CustomerSearch(master, db, text).run()
