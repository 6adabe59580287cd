"""The windows of one desktop application, by logical name, and waits on them.

A window is named by its title (``windows:`` of the selector file). Windows of the
application that are not screens of its main window are dialogs; a dialog nobody waits
for is unexpected, and a wait that meets one raises :class:`UnexpectedDialogError` at
once rather than running into its timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bots.runtime.desktop.driver import DesktopDriver, Window
from bots.runtime.desktop.selectors import DesktopSelectors
from bots.runtime.errors import ApplicationFailure, SelectorError, UnexpectedDialogError

__all__ = ["AppWindows"]

POLL_S = 0.02
#: How long a window may show without a title before it counts as a dialog, and how
#: long a dialog that was just sent keys may stay up while the application closes it.
SETTLE_GRACE_S = 1.0


class AppWindows:
    def __init__(self, selectors: DesktopSelectors, driver: DesktopDriver,
                 describe: Callable[[Window], str]) -> None:
        self.selectors, self.driver = selectors, driver
        self.describe = describe  # the text of an unexpected dialog, for the error
        self._input_to: int | None = None  # the window keys were last sent to

    def sent_input(self, window: Window) -> None:
        """Note that keys went to ``window``: a dialog they close may linger a moment."""
        self._input_to = window.id

    def visible(self) -> list[Window]:
        return self.driver.windows(self.selectors.window_class)

    def find(self, name: str, shown: Sequence[Window] | None = None) -> Window | None:
        """The visible window called ``name`` (no wait)."""
        pattern = self.selectors.window(name).title
        return next((w for w in (self.visible() if shown is None else shown)
                     if pattern.search(w.title)), None)

    def dialogs(self, shown: Sequence[Window] | None = None) -> list[Window]:
        return [w for w in (self.visible() if shown is None else shown)
                if not self.selectors.is_main(w.title)]

    def unexpected(self, shown: Sequence[Window], names: Sequence[str]) -> Window | None:
        """A dialog among ``shown`` that is none of ``names``."""
        patterns = [self.selectors.window(n).title for n in names]
        return next((d for d in self.dialogs(shown)
                     if not any(p.search(d.title) for p in patterns)), None)

    def raise_unexpected(self, dialog: Window) -> None:
        text = self.describe(dialog)
        raise UnexpectedDialogError(f"{self.selectors.app} showed {dialog.title!r}: {text}")

    def wait_any(self, names: Sequence[str], timeout_ms: float,
                 strict: bool = True) -> tuple[str, Window]:
        """Wait until a window of ``names`` shows (the earliest listed wins) while no
        other dialog is up (``strict``; else other dialogs are let be)."""
        if not names:
            raise SelectorError(f"{self.selectors.app}: wait for any of an empty list")
        deadline = time.monotonic() + timeout_ms / 1000
        settling: dict[int, float] = {}  # window id -> when first seen settling
        while True:
            shown = self.visible()
            stray = self.unexpected(shown, names) if strict else None
            if stray is not None and (not stray.title or stray.id == self._input_to):
                # a window the application is still creating has no title for a moment,
                # and a dialog just answered takes a moment to close: either is a stray
                # dialog only if it stays so
                first = settling.setdefault(stray.id, time.monotonic())
                if time.monotonic() - first < SETTLE_GRACE_S:
                    stray = None
            if stray is not None:
                self.raise_unexpected(stray)
            for name in names:
                window = self.find(name, shown)
                if window is not None:
                    return name, window
            if time.monotonic() > deadline:
                titles = [w.title for w in shown]
                raise SelectorError(f"{self.selectors.app}: none of {list(names)} showed "
                                    f"within {timeout_ms:.0f} ms; shown: {titles}")
            time.sleep(POLL_S)

    def wait_gone(self, name: str, timeout_ms: float) -> None:
        deadline = time.monotonic() + timeout_ms / 1000
        while self.find(name) is not None:
            if time.monotonic() > deadline:
                raise SelectorError(f"{self.selectors.app}: {name} still shown after "
                                    f"{timeout_ms:.0f} ms")
            time.sleep(POLL_S)

    def closed(self, window: Window, seconds: float) -> bool:
        """Whether ``window`` goes within ``seconds``."""
        deadline = time.monotonic() + seconds
        while any(w.id == window.id for w in self.visible()):
            if time.monotonic() > deadline:
                return False
            time.sleep(POLL_S)
        return True

    def dismiss(self, keys: Sequence[str]) -> list[str]:
        """Close every dialog, trying ``keys`` in turn on each; returns their texts."""
        closed: list[str] = []
        for _ in range(10):
            dialogs = self.dialogs()
            if not dialogs:
                return closed
            closed.append(self.describe(dialogs[0]))
            for key in keys:
                self.driver.focus(dialogs[0])
                self.driver.press([key])
                if self.closed(dialogs[0], 1.0):
                    break
        raise ApplicationFailure("DESKTOP_DIALOG_STUCK",
                                 f"{self.selectors.app}: a dialog does not close")

    def target(self, name: str, timeout_ms: float) -> Window:
        """The window to send input to: ``name``, waited for, with no other dialog up."""
        return self.wait_any([name], timeout_ms)[1]
