"""Read a value through an application's copy path and the clipboard.

The clipboard first holds a marker of ours; the copy chords are pressed; the value is
whatever replaces the marker. So a copy the application has not made yet (it is busy, the
keys are still queued) is never mistaken for the previous clipboard content.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence

from bots.runtime.desktop.driver import DesktopDriver
from bots.runtime.errors import ApplicationFailure

__all__ = ["copy_via"]

POLL_S = 0.01


def copy_via(driver: DesktopDriver, chords: Sequence[str], timeout_ms: float,
             what: str = "the application") -> str:
    """Press ``chords`` (a copy path) and return the text they put on the clipboard."""
    marker = f"finbots-{uuid.uuid4().hex}"
    driver.write_clipboard(marker)
    driver.press(chords)
    deadline = time.monotonic() + timeout_ms / 1000
    while (text := driver.read_clipboard()) == marker:
        if time.monotonic() > deadline:
            raise ApplicationFailure("DESKTOP_NOTHING_COPIED",
                                     f"{what}: {' '.join(chords)} copied nothing")
        time.sleep(POLL_S)
    return text
