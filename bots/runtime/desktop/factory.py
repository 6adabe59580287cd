"""Wire a DesktopSession for a run: display, driver, selector file, application process.

``ctx.desktop("desktop_erp")`` (the run context, which closes the session with the run)
or ``desktop_session(ctx, "desktop_erp")`` is what a bot calls. The driver is
``FINBOTS_DESKTOP_DRIVER`` (``xdotool``, the default, or ``rpa``); one driver per kind
and display is kept for the process, as is the application process (see ``process``).

The selector file is looked up like a browser app's: ``FINBOTS_SELECTORS_DIR``, then
``selectors_dir`` and ``selectors_dirs``, then the run's bot's own ``selectors`` folder,
then the installation's ``selectors/``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
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
from bots.runtime.selectors import selector_search_path
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
                    selectors_dir: Path | None = None, selectors_dirs: Sequence[Path] = (),
                    timeout_ms: float | None = None, keep_running: bool = True,
                    **placeholders: str) -> DesktopSession:
    """A session on ``app`` for this run; the application starts on first ``launch``.

    ``keep_running``: whether :meth:`DesktopSession.close` leaves the application running
    for the next run of this process (the default) or stops it.
    """
    bot = getattr(ctx, "bot", None)
    folders = selector_search_path(selectors_dir, *selectors_dirs,
                                   getattr(bot, "selectors", None))
    selectors = load_desktop_selectors(app, selectors_dirs=folders)
    display = ensure_display()
    kind = driver or os.environ.get("FINBOTS_DESKTOP_DRIVER", "xdotool")
    process = shared_app(app, selectors.command(**placeholders),
                         log=ctx.run_dir / f"{app}.log")
    return DesktopSession(selectors, make_driver(kind, display), ctx.recorder, ctx.redactor,
                          ctx.run_dir, timeout_ms or default_timeout_ms(), process,
                          keep_running=keep_running)
