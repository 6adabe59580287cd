"""The desktop driver on rpaframework's ``RPA.Desktop`` (pynput, mss, pyperclip).

Checked under Xvfb: keys, typing, clicks, the clipboard and screenshots all reach a Tk
window, given two things. pynput sends key events to whichever window holds the X
keyboard focus, and under Xvfb with no window manager nothing gives a new window the
focus: keys typed then are lost without an error (seen here: a Tk window's title stayed
unchanged until the window was focused). So this driver focuses windows itself
(python-xlib; ``RPA.Desktop`` has no window keywords on Linux). And pynput's X backend
binds to ``$DISPLAY`` when first imported: the driver sets ``DISPLAY`` before it imports
``RPA.Desktop``, and refuses a second display in the same process.

``RPA.Desktop`` keeps at least 100 ms between two input actions (its input buffer), so
a bot on this driver runs several times slower than on xdotool, the default.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bots.runtime.desktop.driver import Box, DesktopDriver, Window
from bots.runtime.desktop.xwindows import XWindows
from bots.runtime.errors import ApplicationFailure, ConfigError

__all__ = ["RpaDesktopDriver"]

# xdotool key names -> pynput's (RPA.Desktop's) names
_KEYS = {"return": "enter", "kp_enter": "enter", "escape": "esc", "backspace": "backspace",
         "page_up": "page_up", "page_down": "page_down", "prior": "page_up",
         "next": "page_down", "super": "cmd", "control": "ctrl"}


def _key(name: str) -> str:
    low = name.lower()
    return _KEYS.get(low, low)


class RpaDesktopDriver(DesktopDriver):
    name = "rpa"
    _bound_display: str | None = None  # pynput's display, fixed at its import

    def __init__(self, display: str) -> None:
        super().__init__(display)
        bound = RpaDesktopDriver._bound_display
        if bound is not None and bound != display:
            raise ConfigError(f"RPA.Desktop is bound to display {bound}; cannot use {display}")
        os.environ["DISPLAY"] = display
        from RPA.Desktop import Desktop

        RpaDesktopDriver._bound_display = display
        self._desktop: Any = Desktop()
        self._x = XWindows(display)

    def close(self) -> None:
        self._x.close()

    def windows(self, window_class: str) -> list[Window]:
        return self._x.list(window_class)

    def box(self, window: Window) -> Window:
        return self._x.box(window)

    def focus(self, window: Window) -> None:
        self._x.focus(window)

    def active(self) -> Window | None:
        return self._x.active()

    def press(self, chords: Sequence[str]) -> None:
        for chord in chords:
            self._desktop.press_keys(*(_key(k) for k in chord.split("+")))

    def type_text(self, text: str, keys_before: Sequence[str] = ()) -> None:
        self.press(keys_before)
        if text:
            self._desktop.type_text(text)

    def click(self, x: int, y: int) -> None:
        self._desktop.click(f"point:{x},{y}")

    def read_clipboard(self) -> str:
        try:
            return str(self._desktop.get_clipboard_value() or "")
        except Exception as exc:  # pyperclip's own errors: no clipboard tool, no owner
            raise ApplicationFailure("DESKTOP_DRIVER", f"clipboard: {exc}") from exc

    def write_clipboard(self, text: str) -> None:
        try:
            self._desktop.set_clipboard_value(text)
        except Exception as exc:
            raise ApplicationFailure("DESKTOP_DRIVER", f"clipboard: {exc}") from exc
        self._await_clipboard(text)

    def screenshot(self, path: Path, box: Box | None = None) -> None:
        locator = None
        if box is not None:
            left, top, width, height = box
            locator = f"region:{left},{top},{left + width},{top + height}"
        self._desktop.take_screenshot(str(path), locator=locator, embed=False)
