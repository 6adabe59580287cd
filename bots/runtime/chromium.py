"""Find and launch a Chromium for Playwright, or connect to one on another host.

Order: ``FINBOTS_CHROMIUM`` (a path), the system packages (``chromium``,
``chromium-browser``, ``google-chrome``), then Playwright's own bundled build.

``FINBOTS_BROWSER_WS`` (``ws://host:port/``) makes robots drive browsers a browser server
runs on another host instead (:func:`connect_chromium`; the server:
``python -m orchestrator.cluster.browser_server``), with ``FINBOTS_BROWSER_TOKEN`` sent in
:data:`TOKEN_HEADER` when the server asks for one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Browser, Playwright
from playwright.sync_api import Error as PlaywrightError

from bots.runtime.errors import BrowserNotFoundError

__all__ = ["INSTALL_HINT", "TOKEN_HEADER", "browser_endpoint", "connect_chromium",
           "find_chromium", "launch_args", "launch_chromium"]

INSTALL_HINT = (
    "apt-get install -y chromium, or set FINBOTS_CHROMIUM=/path/to/chromium, "
    "or run `playwright install chromium`"
)
TOKEN_HEADER = "x-finbots-browser-token"
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


def browser_endpoint() -> str | None:
    """``FINBOTS_BROWSER_WS``: the browser server to connect to, or ``None`` to launch here."""
    endpoint = (os.environ.get("FINBOTS_BROWSER_WS") or "").strip()
    if endpoint and not endpoint.startswith(("ws://", "wss://")):
        raise BrowserNotFoundError(f"FINBOTS_BROWSER_WS={endpoint} is not a ws:// or wss:// URL")
    return endpoint or None


def connect_chromium(pw: Playwright, endpoint: str, *, timeout_ms: float = 30_000) -> Browser:
    """A Chromium of the browser server at ``endpoint`` (Playwright's ``connect``)."""
    token = os.environ.get("FINBOTS_BROWSER_TOKEN")
    headers = {TOKEN_HEADER: token} if token else None
    try:
        return pw.chromium.connect(endpoint, headers=headers, timeout=timeout_ms)
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BrowserNotFoundError(
            f"could not connect to the browser server FINBOTS_BROWSER_WS={endpoint}: {first}"
        ) from exc
