"""Wire a DesktopSession for a run: display, driver, selector file, application process.

``desktop_session(ctx, "desktop_erp")`` is what a bot calls. The driver is
``FINBOTS_DESKTOP_DRIVER`` (``xdotool``, the default, or ``rpa``); one driver per kind
and display is kept for the process, as is the application process (see ``process``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from bots.runtime.browser import default_timeout_ms
from bots.runtime.desktop.display import ensure_display
from bots.runtime.desktop.driver import DesktopDriver
from bots.runtime.desktop.process import shared_app
from bots.runtime.desktop.selectors import load_desktop_selectors
from bots.runtime.desktop.session import DesktopSession
from bots.runtime.errors import ConfigError
from bots.runtime.redact import Redactor
from bots.runtime.steps import StepRecorder

__all__ = ["DRIVERS", "desktop_session", "make_driver"]

DRIVERS = ("xdotool", "rpa")
_drivers: dict[tuple[str, str], DesktopDriver] = {}


class RunLike(Protocol):
    """What the factory needs of a run (``RunContext`` has it)."""

    recorder: StepRecorder
    redactor: Redactor
    run_dir: Path


def make_driver(kind: str, display: str) -> DesktopDriver:
    """The process's driver of ``kind`` on ``display`` (created on first use)."""
    driver = _drivers.get((kind, display))
    if driver is not None:
        return driver
    if kind == "xdotool":
        from bots.runtime.desktop.xdotool import XdotoolDriver

        driver = XdotoolDriver(display)
    elif kind == "rpa":
        from bots.runtime.desktop.rpa_desktop import RpaDesktopDriver

        driver = RpaDesktopDriver(display)
    else:
        raise ConfigError(f"unknown desktop driver {kind!r}; one of {', '.join(DRIVERS)}")
    _drivers[(kind, display)] = driver
    return driver


def desktop_session(ctx: RunLike, app: str, *, driver: str | None = None,
                    selectors_dir: Path | None = None, timeout_ms: float | None = None,
                    **placeholders: str) -> DesktopSession:
    """A session on ``app`` for this run; the application starts on first ``launch``."""
    display = ensure_display()
    selectors = load_desktop_selectors(app, selectors_dir)
    kind = driver or os.environ.get("FINBOTS_DESKTOP_DRIVER", "xdotool")
    process = shared_app(app, selectors.command(**placeholders),
                         log=ctx.run_dir / f"{app}.log")
    return DesktopSession(selectors, make_driver(kind, display), ctx.recorder, ctx.redactor,
                          ctx.run_dir, timeout_ms or default_timeout_ms(), process)
