"""The main window: sign-on, the screens, function keys, the title as the screen's name.

The window title is ``NWC Financials - Sign On`` before sign-on and
``NWC Financials AR 4.2 - <screen>`` after it, with ``[Busy]`` appended while the client
works (the window does not repaint then). Keys: F2 Open Items, F3 Cash Receipt Entry,
F6 Payment Inquiry, Esc back to the Main Menu (a cash receipt being entered is
discarded), Alt+<letter> jumps to the field whose label has that letter underlined.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Iterator
from contextlib import contextmanager
from tkinter import ttk

from sandbox.desktop_erp.inquiry import PaymentInquiry
from sandbox.desktop_erp.knobs import Knobs
from sandbox.desktop_erp.login import LoginScreen, MainMenu
from sandbox.desktop_erp.open_items import OpenItems
from sandbox.desktop_erp.receipt import CashReceipt
from sandbox.desktop_erp.widgets import WINDOW_CLASS, Screen, install_entry_bindings
from sandbox.erp.db import ErpDb

__all__ = ["PRODUCT", "DesktopErpApp"]

PRODUCT = "NWC Financials AR 4.2"
FUNCTION_KEYS = ("F2", "F3", "F4", "F5", "F6", "F9", "Escape", "Return", "KP_Enter")
SCREEN_KEYS = {"F2": "open_items", "F3": "receipt", "F6": "inquiry", "Escape": "menu"}


class DesktopErpApp:
    def __init__(self, db: ErpDb, knobs: Knobs, credentials: tuple[str, str]) -> None:
        self.db, self.knobs = db, knobs
        self.user = ""
        self.root = root = tk.Tk(className=WINDOW_CLASS)
        root.geometry("900x560+10+10")
        install_entry_bindings(root)
        self._menubar()
        self.body = ttk.Frame(root)
        self.body.pack(fill="both", expand=True)
        self._status = ttk.Label(root, text="", relief="sunken", anchor="w", padding=(6, 2))
        self._status.pack(side="bottom", fill="x")
        self.screens: dict[str, Screen] = {
            "login": LoginScreen(self, credentials), "menu": MainMenu(self),
            "open_items": OpenItems(self), "receipt": CashReceipt(self),
            "inquiry": PaymentInquiry(self)}
        self.current = self.screens["login"]
        for key in FUNCTION_KEYS:
            root.bind(f"<{key}>", lambda e, k=key: self._key(k))
        root.bind("<Alt-KeyPress>", self._alt)
        root.protocol("WM_DELETE_WINDOW", root.destroy)
        self.show("login")

    def _menubar(self) -> None:
        bar = tk.Menu(self.root, tearoff=False)
        file_menu = tk.Menu(bar, tearoff=False)
        file_menu.add_command(label="Log Off", underline=0, command=self.log_off)
        file_menu.add_command(label="Exit", underline=1, command=self.root.destroy)
        bar.add_cascade(label="File", underline=0, menu=file_menu)
        self.root.configure(menu=bar)

    # -- state -------------------------------------------------------------------------
    def set_title(self, suffix: str = "") -> None:
        if self.current is self.screens["login"]:
            title = "NWC Financials - Sign On"
        else:
            title = f"{PRODUCT} - {self.current.title}"
        self.root.title(f"{title} {suffix}".rstrip())

    def status(self, text: str) -> None:
        self._status.configure(text=text)

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Show that the client works (the title ends in [Busy], a watch cursor)."""
        self.set_title("[Busy]")
        self.root.configure(cursor="watch")
        self.root.update_idletasks()
        try:
            yield
        finally:
            self.root.configure(cursor="")
            self.set_title()

    def show(self, name: str) -> None:
        if self.current is not None:
            self.current.pack_forget()
        self.current = self.screens[name]
        self.current.pack(fill="both", expand=True)
        self.set_title()
        self.root.update_idletasks()  # laid out and mapped before the next key is handled
        self.current.on_show()

    def signed_on(self, user: str) -> None:
        self.user = user
        self.show("menu")

    def log_off(self) -> None:
        self.user = ""
        self.show("login")

    # -- keys --------------------------------------------------------------------------
    def _key(self, key: str) -> str:
        handler = self.current.keys.get(key)
        if handler is not None:
            handler()
        elif self.user and key in SCREEN_KEYS:
            target = SCREEN_KEYS[key]
            if target == "receipt" and self.current is not self.screens["receipt"]:
                with self.busy():
                    self.knobs.pause()
            self.show(target)
        return "break"

    def _alt(self, event: tk.Event) -> str | None:
        widget = self.current.mnemonics.get(event.keysym.lower())
        if widget is None:
            return None  # the menu bar's own Alt keys
        widget.focus_set()
        if isinstance(widget, ttk.Entry):
            widget.selection_range(0, "end")
            widget.icursor("end")
        return "break"

    def run(self) -> None:
        self.root.focus_force()
        self.root.mainloop()
