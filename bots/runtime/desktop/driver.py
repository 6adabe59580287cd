"""The desktop driver interface: what a Desktop session asks of an X11 input backend.

Implementations (one module each, no repeated docstrings):

- :class:`~bots.runtime.desktop.xdotool.XdotoolDriver`: ``xdotool`` for windows, keys,
  typing and the mouse; ``xclip`` (or ``xsel``) for the clipboard; Pillow for screenshots.
- :class:`~bots.runtime.desktop.rpa_desktop.RpaDesktopDriver`: rpaframework's
  ``RPA.Desktop`` (pynput) for keys, typing, the mouse, the clipboard and screenshots;
  python-xlib for windows (``RPA.Desktop`` has no window keywords on Linux).

Conventions every implementation keeps:

- a driver works on one X display, named at construction (``":99"``);
- coordinates are screen pixels, boxes are ``(left, top, width, height)``;
- key chords are xdotool-style names joined by ``+``: ``Tab``, ``Return``, ``Escape``,
  ``BackSpace``, ``F9``, ``ctrl+c``, ``alt+b``, ``shift+Tab``;
- text to type never appears on a command line (another local user could read it there):
  it travels through a pipe or stays in process.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from bots.runtime.errors import ApplicationFailure

__all__ = ["Box", "DesktopDriver", "Window"]

Box = tuple[int, int, int, int]  # left, top, width, height


@dataclass(frozen=True)
class Window:
    """A viewable top-level window: X id, title, and its box on the screen."""

    id: int
    title: str
    box: Box = (0, 0, 0, 0)


class DesktopDriver(ABC):
    """Input, windows, clipboard and screenshots on one X display."""

    name: ClassVar[str]

    def __init__(self, display: str) -> None:
        self.display = display

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.display!r})"

    @abstractmethod
    def windows(self, window_class: str) -> list[Window]:
        """The viewable top-level windows whose WM_CLASS class is ``window_class``,
        titles filled in, boxes left empty (see :meth:`box`)."""

    @abstractmethod
    def box(self, window: Window) -> Window:
        """``window`` with its current box on the screen."""

    @abstractmethod
    def focus(self, window: Window) -> None:
        """Give ``window`` the keyboard focus and wait until it has it."""

    @abstractmethod
    def active(self) -> Window | None:
        """The top-level window that has the keyboard focus, with title and box (None:
        no window has it)."""

    @abstractmethod
    def press(self, chords: Sequence[str]) -> None:
        """Press and release each chord in turn (``["alt+b"]``, ``["Tab", "Tab"]``)."""

    @abstractmethod
    def type_text(self, text: str, keys_before: Sequence[str] = ()) -> None:
        """Press ``keys_before`` (a key path to a field, say), then type ``text`` as key
        strokes into the focused window; one round trip where the backend allows."""

    @abstractmethod
    def click(self, x: int, y: int) -> None:
        """Left click at screen position ``(x, y)``."""

    @abstractmethod
    def read_clipboard(self) -> str:
        """The CLIPBOARD selection as text (``""`` when nobody owns it)."""

    @abstractmethod
    def write_clipboard(self, text: str) -> None:
        """Own the CLIPBOARD selection with ``text``; returns once a read gives it back."""

    @abstractmethod
    def screenshot(self, path: Path, box: Box | None = None) -> None:
        """Save a PNG of ``box`` (default: the whole screen) to ``path``."""

    def _await_clipboard(self, text: str, timeout_s: float = 5.0) -> None:
        """Wait for a write to land: clipboard tools serve it from a forked child."""
        deadline = time.monotonic() + timeout_s
        while self.read_clipboard() != text:
            if time.monotonic() > deadline:
                raise ApplicationFailure("DESKTOP_DRIVER", "the clipboard did not take a write")
            time.sleep(0.005)

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release what the driver holds (connections, helper processes)."""
