"""Desktop selector files: ``<app>.yaml`` for a thick client (see ``docs/selectors.md``).

::

    app: desktop_erp
    version: "4.2"
    window_class: NwcFinancials          # WM_CLASS class of every window of the client
    launch: ["{python}", "-m", "some.client", "--db", "{sandbox_dir}/erp.db"]
    windows:                             # logical name -> title (regular expression)
      main_menu: {title: "^ERP - Main Menu$", main: true}   # main: a screen, not a dialog
      confirm_post: "^Confirm Posting$"
    selectors:                           # logical name -> element of a window
      receipt.amount:
        window: receipt
        locators: ["keys=alt+a", "text=Amount@+180,0", "xy=200,127"]
        verify: true                     # read the value back after typing it
      login.password: {window: login, locators: ["keys=alt+p"], secret: true,
                       mask: [80, 110, 200, 26]}   # box painted over in screenshots

Locators, tried in order: ``keys=`` a key path that puts the focus on the element from a
known anchor (an Alt mnemonic, ``alt+c Tab Tab``); ``text=LABEL@DX,DY`` clicks beside a
label found on screen by OCR (Tesseract); ``xy=X,Y`` clicks at a point of the window
(the last resort). ``launch`` placeholders: ``{python}`` (this interpreter),
``{runs_dir}``, ``{sandbox_dir}`` (``$FINBOTS_SANDBOX_DIR`` or ``<runs_dir>/sandbox``);
``FINBOTS_<APP>_CMD`` replaces the whole command (split like a shell would).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bots.runtime.desktop.driver import Box
from bots.runtime.errors import ConfigError, SelectorError
from bots.runtime.paths import runs_dir
from bots.runtime.selectors import find_selector_file, selector_folders

__all__ = ["DesktopSelectors", "ElementSpec", "WindowSpec", "load_desktop_selectors"]

LOCATOR_KINDS = ("keys=", "text=", "xy=")
_ELEMENT_KEYS = {"window", "locators", "secret", "verify", "mask"}


@dataclass(frozen=True)
class WindowSpec:
    name: str
    title: re.Pattern[str]
    main: bool = False


@dataclass(frozen=True)
class ElementSpec:
    name: str
    window: str
    locators: tuple[str, ...]
    secret: bool = False
    verify: bool = False
    mask: Box | None = None


@dataclass(frozen=True)
class DesktopSelectors:
    app: str
    version: str | None
    source: Path
    window_class: str
    launch: tuple[str, ...]
    windows: dict[str, WindowSpec] = field(default_factory=dict)
    elements: dict[str, ElementSpec] = field(default_factory=dict)

    def window(self, name: str) -> WindowSpec:
        try:
            return self.windows[name]
        except KeyError:
            raise SelectorError(f"{self.app}: unknown window name {name!r} "
                                f"(not in {self.source})") from None

    def element(self, name: str) -> ElementSpec:
        try:
            return self.elements[name]
        except KeyError:
            raise SelectorError(f"{self.app}: unknown selector name {name!r} "
                                f"(not in {self.source})") from None

    def is_main(self, title: str) -> bool:
        """Whether a window with ``title`` is a screen of the main window."""
        return any(w.main and w.title.search(title) for w in self.windows.values())

    def command(self, **placeholders: str) -> list[str]:
        """The launch command, placeholders filled (or ``FINBOTS_<APP>_CMD``)."""
        override = os.environ.get(f"FINBOTS_{re.sub(r'[^A-Za-z0-9]', '_', self.app).upper()}_CMD")
        if override:
            return shlex.split(override)
        runs = runs_dir()
        values = {"python": sys.executable, "runs_dir": str(runs),
                  "sandbox_dir": os.environ.get("FINBOTS_SANDBOX_DIR") or str(runs / "sandbox"),
                  **placeholders}
        try:
            return [part.format(**values) for part in self.launch]
        except KeyError as exc:
            raise ConfigError(f"{self.source}: launch uses unknown placeholder {exc}") from None


def _fail(source: Path, message: str) -> ConfigError:
    return ConfigError(f"{source}: {message}")


def _window(name: str, raw: Any, source: Path) -> WindowSpec:
    data = {"title": raw} if isinstance(raw, str) else raw
    if not isinstance(data, dict) or not isinstance(data.get("title"), str):
        raise _fail(source, f"windows.{name} must be a title pattern or have a title")
    try:
        return WindowSpec(name, re.compile(data["title"]), bool(data.get("main", False)))
    except re.error as exc:
        raise _fail(source, f"windows.{name}.title is not a regular expression: {exc}") from exc


def _element(name: str, raw: Any, windows: dict[str, WindowSpec], source: Path) -> ElementSpec:
    where = f"selectors.{name}"
    if not isinstance(raw, dict) or set(raw) - _ELEMENT_KEYS:
        raise _fail(source, f"{where} must be a mapping of {sorted(_ELEMENT_KEYS)}")
    if raw.get("window") not in windows:
        raise _fail(source, f"{where}.window must name one of the windows")
    locators = raw.get("locators")
    if isinstance(locators, str):
        locators = [locators]
    if not isinstance(locators, list) or not locators or not all(
            isinstance(loc, str) and loc.startswith(LOCATOR_KINDS) for loc in locators):
        raise _fail(source, f"{where}.locators must be a list of {'|'.join(LOCATOR_KINDS)}...")
    mask = raw.get("mask")
    if mask is not None and (not isinstance(mask, list) or len(mask) != 4
                             or not all(isinstance(v, int) for v in mask)):
        raise _fail(source, f"{where}.mask must be [left, top, width, height]")
    return ElementSpec(name, raw["window"], tuple(locators), bool(raw.get("secret", False)),
                       bool(raw.get("verify", False)), tuple(mask) if mask else None)


def parse_desktop_selectors(app: str, text: str, source: Path) -> DesktopSelectors:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail(source, f"not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("app", app) != app:
        raise _fail(source, f"must be a mapping for app {app!r}")
    launch, window_class = doc.get("launch"), doc.get("window_class")
    if not isinstance(launch, list) or not launch or not all(isinstance(p, str) for p in launch):
        raise _fail(source, "launch must be a non-empty list of strings")
    if not isinstance(window_class, str) or not window_class:
        raise _fail(source, "window_class is missing")
    raw_windows, raw_elements = doc.get("windows"), doc.get("selectors")
    if not isinstance(raw_windows, dict) or not isinstance(raw_elements, dict):
        raise _fail(source, "windows and selectors must be mappings")
    windows = {str(n): _window(str(n), w, source) for n, w in raw_windows.items()}
    elements = {str(n): _element(str(n), e, windows, source) for n, e in raw_elements.items()}
    version = doc.get("version")
    return DesktopSelectors(app, None if version is None else str(version), source,
                            window_class, tuple(launch), windows, elements)


def load_desktop_selectors(
    app: str, directory: Path | None = None, *, selectors_dirs: Sequence[Path] | None = None
) -> DesktopSelectors:
    """Load and validate ``<app>.yaml``: from ``directory`` alone when given, else from the
    first of ``selectors_dirs`` that has it (default: the selector search path)."""
    source = find_selector_file(app, selector_folders(directory, selectors_dirs))
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"no selectors for app {app!r}: cannot read {source} ({exc})") from exc
    return parse_desktop_selectors(app, text, source)
