"""Find and launch a Chromium for Playwright.

Order: ``FINBOTS_CHROMIUM`` (a path), the system packages (``chromium``,
``chromium-browser``, ``google-chrome``), then Playwright's own bundled build.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Browser, Playwright
from playwright.sync_api import Error as PlaywrightError

from bots.runtime.errors import BrowserNotFoundError

__all__ = ["INSTALL_HINT", "find_chromium", "launch_args", "launch_chromium"]

INSTALL_HINT = (
    "apt-get install -y chromium, or set FINBOTS_CHROMIUM=/path/to/chromium, "
    "or run `playwright install chromium`"
)
SYSTEM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
SYSTEM_DIRS = (Path("/usr/bin"),)
COMMON_ARGS = (
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)


def _bundled(pw: Playwright | None) -> str | None:
    if pw is None:
        return None
    try:
        path = pw.chromium.executable_path
    except PlaywrightError:
        return None
    return path if path and Path(path).is_file() else None


def find_chromium(pw: Playwright | None = None) -> str:
    """Path of the Chromium to launch; :class:`BrowserNotFoundError` when there is none."""
    configured = os.environ.get("FINBOTS_CHROMIUM")
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return configured
        raise BrowserNotFoundError(
            f"FINBOTS_CHROMIUM={configured} is not an executable file; {INSTALL_HINT}"
        )
    for name in SYSTEM_CANDIDATES:
        for folder in SYSTEM_DIRS:
            if (folder / name).is_file():
                return str(folder / name)
        found = shutil.which(name)
        if found:
            return found
    bundled = _bundled(pw)
    if bundled:
        return bundled
    raise BrowserNotFoundError(f"no Chromium found; install one: {INSTALL_HINT}")


def launch_args() -> list[str]:
    """Command-line switches; ``--no-sandbox`` only when running as root."""
    args = list(COMMON_ARGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(0, "--no-sandbox")
    return args


def launch_chromium(pw: Playwright, *, headless: bool = True) -> Browser:
    """Launch the Chromium :func:`find_chromium` picks, or explain what to install."""
    path = find_chromium(pw)
    try:
        return pw.chromium.launch(executable_path=path, args=launch_args(), headless=headless)
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BrowserNotFoundError(
            f"could not launch Chromium at {path}: {first}; {INSTALL_HINT}"
        ) from exc
