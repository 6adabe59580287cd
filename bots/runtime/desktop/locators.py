"""Reach an element of a window (give it the keyboard focus) by one desktop locator.

``keys=alt+c Tab*2`` presses the chords in turn (``keys=`` alone: the element has the
focus when its window opens); ``xy=X,Y`` clicks at that point of the
window; ``text=LABEL@DX,DY`` finds LABEL on the window by OCR and clicks DX, DY pixels
from the left end of the label's middle line.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bots.runtime.desktop import ocr
from bots.runtime.desktop.driver import DesktopDriver, Window
from bots.runtime.errors import ConfigError, SelectorError

__all__ = ["key_path", "reach"]


def _pair(text: str, locator: str) -> tuple[int, int]:
    x, _, y = text.partition(",")
    try:
        return int(x), int(y)
    except ValueError:
        raise ConfigError(f"locator {locator!r}: expected two integers 'X,Y'") from None


def key_path(text: str) -> list[str]:
    """``"alt+i Tab*3"`` -> ``["alt+i", "Tab", "Tab", "Tab"]``."""
    chords: list[str] = []
    for token in text.split():
        chord, _, times = token.partition("*")
        chords += [chord] * (int(times) if times.isdigit() else 1)
    return chords


def reach(driver: DesktopDriver, window: Window, locator: str) -> list[str]:
    """Run ``locator`` on ``window`` (which has the keyboard focus already); returns the
    chords still to press (a key path is sent with the input that follows it)."""
    kind, _, arg = locator.partition("=")
    if kind == "keys":
        return key_path(arg)
    box = driver.box(window).box
    left, top = box[0], box[1]
    if kind == "xy":
        x, y = _pair(arg, locator)
        driver.click(left + x, top + y)
        return []
    if kind == "text":
        label, _, offset = arg.rpartition("@") if "@" in arg else (arg, "", "0,0")
        dx, dy = _pair(offset, locator)
        if not ocr.available():
            raise SelectorError(f"{locator!r}: OCR is not available (tesseract-ocr)")
        with tempfile.TemporaryDirectory(prefix="finbots-ocr-") as tmp:
            shot = Path(tmp) / "window.png"
            driver.screenshot(shot, box)
            found = ocr.find_text(shot, label)
        if found is None:
            raise SelectorError(f"{locator!r}: {label!r} not found on {window.title!r}")
        driver.click(left + found[0] + dx, top + found[1] + found[3] // 2 + dy)
        return []
    raise ConfigError(f"unknown desktop locator {locator!r}")
