"""Widgets every screen uses: labelled fields with Alt mnemonics, the copyable grid, the
screen base class with its function keys.

Copy paths a person (and a bot) can use: Ctrl+A selects all text of a field, Ctrl+C
copies it (a masked field copies its asterisks); in a grid, Ctrl+A selects every row and
Ctrl+C copies the selected rows tab-separated under a header line.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Sequence
from tkinter import ttk
from typing import Any

__all__ = ["Grid", "Screen", "copy_to_clipboard", "install_entry_bindings", "labelled_entry"]

WINDOW_CLASS = "NwcFinancials"  # WM_CLASS of every window of the client


def copy_to_clipboard(widget: tk.Misc, text: str) -> None:
    widget.clipboard_clear()
    widget.clipboard_append(text)


def _select_all(event: tk.Event) -> str:
    entry = event.widget
    entry.selection_range(0, "end")
    entry.icursor("end")
    return "break"


def install_entry_bindings(root: tk.Misc) -> None:
    """Ctrl+A selects all in every entry (Tk's default moves to the line start)."""
    for cls in ("TEntry", "Entry"):
        root.bind_class(cls, "<Control-a>", _select_all)


def labelled_entry(parent: tk.Misc, row: int, label: str, underline: int, *,
                   width: int = 20, column: int = 0, **options: Any) -> ttk.Entry:
    """A label (its mnemonic letter underlined) and an entry beside it in ``row``."""
    ttk.Label(parent, text=label, underline=underline).grid(
        row=row, column=column, sticky="w", padx=(8, 4), pady=2)
    entry = ttk.Entry(parent, width=width, **options)
    entry.grid(row=row, column=column + 1, sticky="w", padx=(0, 8), pady=2)
    return entry


class Grid(ttk.Treeview):
    """A read-only grid whose rows can be selected and copied to the clipboard."""

    def __init__(self, parent: tk.Misc, columns: Sequence[tuple[str, str, int]],
                 height: int = 10) -> None:
        super().__init__(parent, columns=[c[0] for c in columns], show="headings",
                         height=height, selectmode="extended")
        self.headings = [c[1] for c in columns]
        for key, heading, width in columns:
            self.heading(key, text=heading)
            self.column(key, width=width, stretch=False)
        self.bind("<Control-a>", self._select_all)
        self.bind("<Control-c>", self._copy)

    def load(self, rows: Sequence[Sequence[str]]) -> None:
        self.delete(*self.get_children())
        for row in rows:
            self.insert("", "end", values=list(row))
        children = self.get_children()
        if children:
            self.selection_set(children[0])
            self.focus(children[0])

    def _select_all(self, event: tk.Event | None = None) -> str:
        self.selection_set(self.get_children())
        return "break"

    def copied_text(self) -> str:
        lines = ["\t".join(self.headings)]
        for iid in self.get_children():
            if iid in self.selection():
                lines.append("\t".join(str(v) for v in self.item(iid, "values")))
        return "\n".join(lines) + "\n"

    def _copy(self, event: tk.Event | None = None) -> str:
        copy_to_clipboard(self, self.copied_text())
        return "break"


class Screen(ttk.Frame):
    """One screen of the main window: its title, first field, function keys, mnemonics."""

    title = ""

    def __init__(self, parent: tk.Misc) -> None:
        super().__init__(parent, padding=8)
        self.keys: dict[str, Callable[[], None]] = {}
        self.mnemonics: dict[str, tk.Widget] = {}
        self.first: tk.Widget | None = None

    def on_show(self) -> None:
        """Called each time the screen is shown (reset, focus the first field)."""
        if self.first is not None:
            self.first.focus_set()
