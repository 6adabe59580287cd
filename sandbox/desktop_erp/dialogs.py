"""Modal dialogs: message boxes, the posting confirmation, the receipt-posted notice.

Each dialog is its own top-level window (same window class as the main window), grabs
input until closed and takes the keyboard focus. Return presses the default button,
Escape the cancel button, a button's underlined letter (or Alt with it) presses it, and
Ctrl+C copies the whole dialog as text (title, message, buttons), as message boxes of
desktop systems do.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Sequence
from tkinter import ttk

from sandbox.desktop_erp.widgets import WINDOW_CLASS, copy_to_clipboard

__all__ = ["Modal", "confirm", "message", "show_receipt"]

Button = tuple[str, str]  # (label, result); the label's first letter is its key


class Modal(tk.Toplevel):
    """A modal dialog; :meth:`run` blocks (in a nested event loop) until it is closed."""

    def __init__(self, master: tk.Misc, title: str, text: str, buttons: Sequence[Button],
                 default: str, cancel: str, field: str | None = None) -> None:
        super().__init__(master, class_=WINDOW_CLASS, borderwidth=2, relief="raised")
        self._master, self._previous = master, master.focus_get()
        self.title(title)
        self.transient(master)  # type: ignore[call-overload]
        self.resizable(False, False)
        self.result, self._cancel = cancel, cancel
        self._text = f"[{title}]\n---\n{text}\n---\n" + "   ".join(b[0] for b in buttons)
        tk.Label(self, text=title, anchor="w", padx=8, pady=3, bg="#1f3f6f", fg="white",
                 font=("TkDefaultFont", 10, "bold")).pack(side="top", fill="x")  # caption
        row = ttk.Frame(self, padding=(12, 0, 12, 12))
        row.pack(side="bottom", anchor="e")
        self.body = ttk.Frame(self, padding=12)
        self.body.pack(fill="both", expand=True)
        ttk.Label(self.body, text=text, wraplength=380, justify="left").pack(anchor="w")
        self.field: ttk.Entry | None = None
        if field is not None:
            self._value = tk.StringVar(self, field)  # kept: a collected variable empties it
            self.field = ttk.Entry(self.body, textvariable=self._value, state="readonly",
                                   width=28)
            self.field.pack(anchor="w", pady=(8, 0))
        for label, result in buttons:
            ttk.Button(row, text=label, underline=0,
                       command=lambda r=result: self.close(r)).pack(side="left", padx=4)
            for key in (label[0].lower(), f"Alt-{label[0].lower()}"):
                self.bind(f"<{key}>", lambda e, r=result: self.close(r))
        self.bind("<Return>", lambda e: self.close(default))
        self.bind("<KP_Enter>", lambda e: self.close(default))
        self.bind("<Escape>", lambda e: self.close(cancel))
        self.bind("<Control-c>", self._copy)
        self.protocol("WM_DELETE_WINDOW", lambda: self.close(cancel))
        self._place()

    def _place(self) -> None:
        self.update_idletasks()
        m = self._master
        x = m.winfo_rootx() + max(0, (m.winfo_width() - self.winfo_reqwidth()) // 2)
        y = m.winfo_rooty() + max(0, (m.winfo_height() - self.winfo_reqheight()) // 3)
        self.geometry(f"+{x}+{y}")

    def _copy(self, event: tk.Event) -> str:
        if self.field is not None and self.focus_get() is self.field:
            text = self.field.get()  # the read-only field copies its (selected) value
            if self.field.selection_present():
                text = text[self.field.index("sel.first"):self.field.index("sel.last")]
            copy_to_clipboard(self, text)
        else:
            copy_to_clipboard(self, self._text)
        return "break"

    def close(self, result: str) -> None:
        self.result = result
        self.grab_release()
        self.destroy()
        target = self._previous if self._previous is not None else self._master
        if target.winfo_exists():
            target.focus_force()

    def run(self) -> str:
        self.wait_visibility()
        self.grab_set()
        if self.field is not None:
            self.field.selection_range(0, "end")
            self.field.focus_force()
        else:
            self.focus_force()
        self.wait_window()
        return self.result


def message(master: tk.Misc, title: str, text: str) -> None:
    """A message box with one OK button."""
    Modal(master, title, text, [("OK", "ok")], "ok", "ok").run()


def confirm(master: tk.Misc, title: str, text: str) -> bool:
    """Yes (the default) or No."""
    return Modal(master, title, text, [("Yes", "yes"), ("No", "no")], "yes", "no").run() == "yes"


def show_receipt(master: tk.Misc, confirmation: str, text: str) -> None:
    """The receipt-posted notice: the confirmation number selected in a read-only field."""
    Modal(master, "Receipt Posted", text, [("OK", "ok")], "ok", "ok", field=confirmation).run()
