"""Screenshots of a desktop application: its windows only, secret elements painted over.

The box is the union of the application's visible windows (dialogs included), so a
screenshot shows what a person would see of it; with no window shown, the whole screen.
Elements marked ``secret`` with a ``mask`` box are blacked out when their window shows
(the client masks typed secrets too; this covers what it may not).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from bots.runtime.desktop.driver import DesktopDriver, Window
from bots.runtime.desktop.selectors import DesktopSelectors

__all__ = ["capture_windows"]


def capture_windows(driver: DesktopDriver, selectors: DesktopSelectors,
                    shown: Sequence[Window], path: Path) -> None:
    boxes = [driver.box(w) for w in shown]
    if not boxes:
        driver.screenshot(path)
        return
    left = min(w.box[0] for w in boxes)
    top = min(w.box[1] for w in boxes)
    right = max(w.box[0] + w.box[2] for w in boxes)
    bottom = max(w.box[1] + w.box[3] for w in boxes)
    driver.screenshot(path, (left, top, right - left, bottom - top))
    masks = []
    for spec in selectors.elements.values():
        if not spec.secret or spec.mask is None:
            continue
        pattern = selectors.window(spec.window).title
        for window in (w for w in boxes if pattern.search(w.title)):
            x, y = window.box[0] - left + spec.mask[0], window.box[1] - top + spec.mask[1]
            masks.append((x, y, x + spec.mask[2], y + spec.mask[3]))
    if masks:
        with Image.open(path) as image:
            draw = ImageDraw.Draw(image)
            for box in masks:
                draw.rectangle(box, fill="black")
            image.save(path)
