"""The sign-on screen and the main menu."""

from __future__ import annotations

import hmac
from tkinter import ttk
from typing import TYPE_CHECKING

from sandbox.desktop_erp.dialogs import message
from sandbox.desktop_erp.widgets import Screen, labelled_entry

if TYPE_CHECKING:
    from sandbox.desktop_erp.app import DesktopErpApp

__all__ = ["LoginScreen", "MainMenu"]


class LoginScreen(Screen):
    """User ID (Alt+U), Password (Alt+P, masked); Enter signs on."""

    title = "Sign On"

    def __init__(self, app: DesktopErpApp, credentials: tuple[str, str]) -> None:
        super().__init__(app.body)
        self.app, self._credentials = app, credentials
        ttk.Label(self, text="NWC Financials AR 4.2", font=("TkDefaultFont", 14, "bold")).grid(
            row=0, column=0, columnspan=2, sticky="w", padx=8, pady=(8, 12))
        self.user = labelled_entry(self, 1, "User ID", 0)
        self.password = labelled_entry(self, 2, "Password", 0, show="*")
        buttons = ttk.Frame(self)
        buttons.grid(row=3, column=1, sticky="w", pady=12)
        ttk.Button(buttons, text="Sign On", command=self.sign_on, takefocus=False).pack(
            side="left")
        ttk.Button(buttons, text="Exit", command=app.root.destroy, takefocus=False).pack(
            side="left", padx=8)
        self.mnemonics = {"u": self.user, "p": self.password}
        self.keys = {"Return": self.sign_on, "KP_Enter": self.sign_on}
        self.first = self.user

    def on_show(self) -> None:
        self.password.delete(0, "end")
        super().on_show()

    def sign_on(self) -> None:
        user, password = self.user.get().strip(), self.password.get()
        expected_user, expected_password = self._credentials
        if user == expected_user and hmac.compare_digest(password, expected_password):
            self.app.signed_on(user)
            return
        message(self.app.root, "Sign On Failed", "Invalid user id or password.")
        self.password.delete(0, "end")
        self.password.focus_set()


class MainMenu(Screen):
    """The function keys of the AR module; nothing to type here."""

    title = "Main Menu"

    def __init__(self, app: DesktopErpApp) -> None:
        super().__init__(app.body)
        self.app = app
        self.welcome = ttk.Label(self, text="", font=("TkDefaultFont", 12, "bold"))
        self.welcome.grid(row=0, column=0, columnspan=2, sticky="w", pady=(0, 12))
        for row, (key, text) in enumerate((
                ("F2", "Open Items"), ("F3", "Cash Receipt Entry"), ("F6", "Payment Inquiry"),
                ("Esc", "back to this menu"), ("Alt+F", "File menu: Log Off, Exit")), start=1):
            ttk.Label(self, text=key, width=8).grid(row=row, column=0, sticky="w")
            ttk.Label(self, text=text).grid(row=row, column=1, sticky="w")

    def on_show(self) -> None:
        self.welcome.configure(text=f"Welcome, {self.app.user}")
        self.focus_set()
