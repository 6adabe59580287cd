"""DesktopSession: one thick-client application on an X display, driven by logical names.

The desktop counterpart of the browser's AppSession, with the same step records. Input
goes to a window only once it shows with no other dialog up; a dialog nobody waits for
raises :class:`UnexpectedDialogError` with its text. Values are read back through the
application's copy path and the clipboard; OCR only where nothing else reaches a text.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bots.runtime.desktop import ocr
from bots.runtime.desktop.clipboard import copy_via
from bots.runtime.desktop.driver import DesktopDriver, Window
from bots.runtime.desktop.evidence import capture_windows
from bots.runtime.desktop.locators import reach
from bots.runtime.desktop.process import AppProcess
from bots.runtime.desktop.selectors import DesktopSelectors
from bots.runtime.desktop.windows import AppWindows
from bots.runtime.errors import ApplicationFailure, ConfigError, FinbotsError, SelectorError
from bots.runtime.redact import MASK, Redactor
from bots.runtime.steps import Step, StepRecorder

__all__ = ["DesktopSession"]


class DesktopSession:
    def __init__(self, selectors: DesktopSelectors, driver: DesktopDriver,
                 recorder: StepRecorder, redactor: Redactor, run_dir: Path,
                 timeout_ms: float, process: AppProcess | None = None, *,
                 keep_running: bool = True) -> None:
        self.app, self.selectors, self.driver = selectors.app, selectors, driver
        self.recorder, self.redactor, self.run_dir = recorder, redactor, Path(run_dir)
        self.timeout_ms, self.process = timeout_ms, process
        self.keep_running = keep_running
        self.closed = False
        self.windows = AppWindows(selectors, driver, self._dialog_text)

    def __repr__(self) -> str:
        return f"DesktopSession({self.app!r}, {self.driver!r})"

    @contextmanager
    def _action(self, action: str, name: str | None = None,
                data: dict[str, Any] | None = None) -> Iterator[Step]:
        if self.closed:
            raise ConfigError(f"{self.app}: the desktop session is closed (its run ended)")
        self.recorder.current = self
        with self.recorder.step(action, app=self.app, selector=name, data=data,
                                target=self) as st:
            yield st

    # -- the application ---------------------------------------------------------------
    def launch(self, restart: bool = False) -> str:
        """Start the application unless it runs; returns the main window shown (dialogs
        it may show too are left for the caller)."""
        with self._action("restart" if restart else "launch") as st:
            if self.process is not None:
                st.data["command"] = " ".join(self.process.argv)
                if restart:
                    self.process.restart()
                else:
                    self.process.start()
            mains = [n for n, w in self.selectors.windows.items() if w.main]
            st.data["found"], _ = self.windows.wait_any(mains, self.timeout_ms, strict=False)
        return str(st.data["found"])

    def close(self) -> None:
        """End the session (its run ends): no action works on it after this. The
        application keeps running for the next run unless the session was opened with
        ``keep_running=False``; then it is stopped (a ``close`` step). Idempotent."""
        if self.closed:
            return
        if not self.keep_running and self.process is not None and self.process.running():
            with self._action("close") as st:
                st.data["command"] = " ".join(self.process.argv)
                self.process.stop()
        self.closed = True

    # -- windows -----------------------------------------------------------------------
    def wait_for(self, name: str, timeout_ms: float | None = None) -> None:
        self.wait_for_any([name], timeout_ms)

    def wait_for_any(self, names: list[str], timeout_ms: float | None = None) -> str:
        with self._action("wait_for_any", ",".join(names)) as st:
            found, window = self.windows.wait_any(names, timeout_ms or self.timeout_ms)
            st.data.update(found=found, title=window.title)
        return found

    def wait_gone(self, name: str, timeout_ms: float | None = None) -> None:
        with self._action("wait_gone", name):
            self.windows.wait_gone(name, timeout_ms or self.timeout_ms)

    # -- input -------------------------------------------------------------------------
    def _focus(self, window_name: str) -> Window:
        """Window ``window_name`` with the keyboard focus: at once when it has it (a modal
        dialog would have it instead), else waited for with no other dialog up."""
        active = self.driver.active()
        if active is not None and self.selectors.window(window_name).title.search(active.title):
            return active
        window = self.windows.target(window_name, self.timeout_ms)
        self.driver.focus(window)
        return window

    def press(self, keys: str, window: str) -> None:
        """Press key chords (``"F9"``, ``"ctrl+a ctrl+c"``) in ``window``."""
        with self._action("press", window, {"keys": keys}):
            self.windows.sent_input(self._focus(window))
            self.driver.press(keys.split())

    def type_text(self, text: str, window: str, secret: bool = False) -> None:
        """Type into whatever has the focus in ``window`` (a field with no name)."""
        with self._action("type", window, {"text": MASK if secret else text}):
            if secret:
                self.redactor.add(text)
            self._focus(window)
            self.driver.type_text(text)

    def fill(self, name: str, value: str, secret: bool = False) -> None:
        """Replace the text of element ``name`` with ``value``; with ``verify`` in the
        selector file the value is read back, and a locator that put it elsewhere is
        skipped for the next one."""
        spec = self.selectors.element(name)
        secret = secret or spec.secret
        with self._action("fill", name, {"value": MASK if secret else value}) as st:
            if secret:
                self.redactor.add(value)
            window = self._focus(spec.window)
            tried: list[str] = []
            for locator in spec.locators:
                try:
                    path = reach(self.driver, window, locator)
                    self.driver.type_text(value, keys_before=[*path, "ctrl+a", "BackSpace"])
                    if spec.verify and not secret and self._copy(
                            ["ctrl+a", "ctrl+c"], min(self.timeout_ms, 3000)) != value:
                        raise SelectorError("the value read back differs")
                except (SelectorError, ApplicationFailure) as exc:
                    stray = self.windows.unexpected(self.windows.visible(), [spec.window])
                    if stray is not None:  # not the locator's fault: stop here
                        self.windows.raise_unexpected(stray)
                    tried.append(f"{locator} ({exc})")
                    continue
                st.locator = locator
                return
            raise SelectorError(f"{self.app}: {name}: no locator worked: {'; '.join(tried)}")

    def click(self, name: str) -> None:
        """Click element ``name`` by its first ``xy=`` or ``text=`` locator."""
        spec = self.selectors.element(name)
        with self._action("click", name) as st:
            window = self._focus(spec.window)
            st.locator = next((loc for loc in spec.locators if not loc.startswith("keys=")),
                              None)
            if st.locator is None:
                raise SelectorError(f"{self.app}: {name} has no locator to click")
            reach(self.driver, window, st.locator)

    def value(self, name: str) -> str:
        """The text of element ``name``, through select-all and copy."""
        spec = self.selectors.element(name)
        with self._action("value", name) as st:
            window = self._focus(spec.window)
            st.locator = spec.locators[0]
            text = self._copy([*reach(self.driver, window, st.locator), "ctrl+a", "ctrl+c"])
            st.data["result"] = MASK if spec.secret else text[:200]
        return text

    def copy(self, keys: str, window: str) -> str:
        """Press the copy path ``keys`` in ``window``; returns what reached the clipboard."""
        with self._action("copy", window, {"keys": keys}) as st:
            self._focus(window)
            text = self._copy(keys.split())
            st.data["chars"] = len(text)
        return text

    def _copy(self, chords: list[str], timeout_ms: float | None = None) -> str:
        return copy_via(self.driver, chords, timeout_ms or self.timeout_ms, self.app)

    def _dialog_text(self, dialog: Window) -> str:
        """What a dialog says (its copy path), or its title alone."""
        with contextlib.suppress(FinbotsError):
            self.driver.focus(dialog)
            return self.redactor.redact(self._copy(["ctrl+c"], timeout_ms=1000).strip())
        return dialog.title

    def dismiss_dialogs(self, keys: tuple[str, ...] = ("Escape", "Return")) -> list[str]:
        """Close every dialog of the application (Escape, else Return); their texts."""
        with self._action("dismiss_dialogs") as st:
            st.data["closed"] = closed = self.windows.dismiss(keys)
        return closed

    def wait_text(self, text: str, window: str, timeout_ms: float | None = None) -> None:
        """Wait until ``text`` reads on ``window`` by OCR (slow; when nothing else can)."""
        with self._action("wait_text", window, {"text": text}):
            deadline = time.monotonic() + (timeout_ms or self.timeout_ms) / 1000
            while text.lower() not in ocr.window_text(
                    self.driver, self.windows.target(window, self.timeout_ms)).lower():
                if time.monotonic() > deadline:
                    raise SelectorError(f"{self.app}: {text!r} not on {window}")

    # -- evidence ----------------------------------------------------------------------
    def capture(self, path: Path) -> None:
        """The application's windows (secret elements painted over), or the screen."""
        capture_windows(self.driver, self.selectors, self.windows.visible(), path)

    def checkpoint(self, label: str, *, image: bool = True) -> str | None:
        """A screenshot recorded as a step; returns its path relative to the run.
        ``image=False``: the titles of the application's windows alone (no screenshot)."""
        with self._action("checkpoint", data={"label": label}) as st:
            if image:
                st.evidence = self.recorder.screenshot(f"{st.seq:04d}-{label}", self)
            else:
                st.data["windows"] = [w.title for w in self.windows.visible()]
        return st.evidence

