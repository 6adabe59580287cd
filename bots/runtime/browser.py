"""BrowserSession: one Chromium per process (reused), one BrowserContext per run.

Per run: images, fonts and media are blocked (unless ``block_media=False``), downloads
are accepted, and a Playwright trace (screenshots and DOM snapshots) is recorded. The
trace is kept as ``runs/<run-id>/trace.zip`` only when the run failed, after every
registered secret has been replaced by ``***`` inside it (DOM snapshots carry the values
of inputs, action logs the text typed).
"""

from __future__ import annotations

import atexit
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Playwright, Route, sync_playwright

from bots.runtime.app_session import AppSession
from bots.runtime.chromium import browser_endpoint, connect_chromium, launch_chromium
from bots.runtime.redact import Redactor
from bots.runtime.selectors import load_selectors, selector_search_path
from bots.runtime.steps import StepRecorder

__all__ = [
    "BrowserSession", "default_timeout_ms", "shared_browser", "shared_playwright",
    "shutdown_browser",
]

BLOCKED_RESOURCES = frozenset({"image", "font", "media"})


class _Process:
    playwright: Playwright | None = None
    browser: Browser | None = None


def shared_playwright() -> Playwright:
    """The process's Playwright driver (sync API: use it from one thread)."""
    if _Process.playwright is None:
        _Process.playwright = sync_playwright().start()
        atexit.register(shutdown_browser)
    return _Process.playwright


def shared_browser(headless: bool = True) -> Browser:
    """The process's Chromium, launched on first use and reused by every run; with
    ``FINBOTS_BROWSER_WS``, one of the browser server's instead (always headless there)."""
    if _Process.browser is None or not _Process.browser.is_connected():
        endpoint = browser_endpoint()
        _Process.browser = (connect_chromium(shared_playwright(), endpoint) if endpoint
                            else launch_chromium(shared_playwright(), headless=headless))
    return _Process.browser


def shutdown_browser() -> None:
    """Close the process's Chromium and Playwright (idempotent)."""
    browser, pw = _Process.browser, _Process.playwright
    _Process.browser = _Process.playwright = None
    if browser is not None and browser.is_connected():
        browser.close()
    if pw is not None:
        pw.stop()


def default_timeout_ms() -> float:
    return float(os.environ.get("FINBOTS_TIMEOUT_MS", "15000"))


def trace_mode() -> str:
    """``FINBOTS_TRACE``: when the run's Playwright trace is recorded.

    ``on-failure`` (default): from the first failed step on, so the retries and the rest
    of the run are in the trace, while a run without trouble pays nothing for it (DOM
    snapshots cost about a third of a browser bot's time); ``always``; ``off``.
    """
    mode = os.environ.get("FINBOTS_TRACE", "on-failure").lower()
    return mode if mode in ("always", "on-failure", "off") else "on-failure"


def _block(route: Route) -> None:
    if route.request.resource_type in BLOCKED_RESOURCES:
        route.abort()
    else:
        route.fallback()


def redact_zip(source: Path, target: Path, redactor: Redactor) -> None:
    """Copy a zip, replacing every secret in every member."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, redactor.redact_bytes(src.read(info)), zipfile.ZIP_DEFLATED)


class BrowserSession:
    """The run's browser: one tab per target app.

    Selector files are looked up in ``selectors_dirs`` (a bot's own folders, in order;
    ``selectors_dir`` is a one-folder alias searched first), after the override folder
    ``FINBOTS_SELECTORS_DIR`` and before the installation's ``selectors/``
    (:func:`~bots.runtime.selectors.selector_search_path`).
    """

    def __init__(
        self, run_dir: Path, recorder: StepRecorder, redactor: Redactor, *,
        selectors_dir: Path | None = None, selectors_dirs: Sequence[Path] = (),
        block_media: bool = True, trace: bool = True, timeout_ms: float | None = None,
        headless: bool = True,
    ) -> None:
        self.run_dir, self.recorder, self.redactor = Path(run_dir), recorder, redactor
        self.selectors_dirs = selector_search_path(selectors_dir, *selectors_dirs)
        self.block_media, self.trace, self.headless = block_media, trace, headless
        self.timeout_ms = timeout_ms or default_timeout_ms()
        self._context: BrowserContext | None = None
        self._apps: dict[str, AppSession] = {}
        self._tracing = False

    @property
    def context(self) -> BrowserContext:
        """The run's BrowserContext (created, with tracing started, on first use)."""
        if self._context is None:
            ctx = shared_browser(self.headless).new_context(accept_downloads=True)
            ctx.set_default_timeout(self.timeout_ms)
            if self.block_media:
                ctx.route("**/*", _block)
            self._context = ctx
            if trace_mode() == "always":
                self.start_tracing()
        return self._context

    def start_tracing(self) -> None:
        """Record the Playwright trace from now on (no-op when off or already on)."""
        if not self.trace or self._tracing or trace_mode() == "off" or self._context is None:
            return
        self._context.tracing.start(screenshots=True, snapshots=True, sources=False)
        self._tracing = True

    def app(self, name: str) -> AppSession:
        """The AppSession of ``name`` (one tab per app and run, created on first use)."""
        session = self._apps.get(name)
        if session is None or session.page.is_closed():
            selectors = load_selectors(name, selectors_dirs=self.selectors_dirs)
            session = AppSession(
                name, self.context.new_page(), selectors, self.recorder, self.redactor,
                self.run_dir, self.timeout_ms,
            )
            self._apps[name] = session
        return session

    def close(self, failed: bool = False) -> Path | None:
        """End the run's context; returns the trace path when one was kept."""
        ctx, self._context = self._context, None
        self._apps.clear()
        if ctx is None:
            return None
        kept: Path | None = None
        tracing, self._tracing = self._tracing, False
        try:
            if tracing and failed:
                with tempfile.TemporaryDirectory(prefix="finbots-trace-") as tmp:
                    raw = Path(tmp) / "trace.zip"
                    ctx.tracing.stop(path=raw)
                    kept = self.run_dir / "trace.zip"
                    redact_zip(raw, kept, self.redactor)
            elif tracing:
                ctx.tracing.stop()
        finally:
            ctx.close()
        return kept
