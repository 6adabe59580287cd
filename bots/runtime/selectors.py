"""Selector files: ``<app>.yaml`` maps logical names to ordered locators.

The format is documented in ``docs/selectors.md``. A logical name resolves to a
:class:`SelectorSpec`: locators tried in order, an optional frame chain (outer first), a
``secret`` flag (values masked in steps and screenshots), the rule for several matches
(``multiple``) and, for a row selector, its cells (locators relative to one row).

Files are looked up in an ordered list of folders (:func:`selector_search_path`): the
override folder ``FINBOTS_SELECTORS_DIR``, the bot's own folders, the installation's
``selectors/``; the first folder holding ``<app>.yaml`` wins.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from bots.runtime.errors import ConfigError, SelectorError
from bots.runtime.paths import installed_selectors_dir

__all__ = [
    "MULTIPLE", "AppSelectors", "CellSpec", "Multiple", "SelectorSpec", "find_selector_file",
    "load_selectors", "selector_folders", "selector_search_path", "url_env_var",
]

_SPEC_KEYS = {"locators", "frame", "secret", "multiple", "cells"}
_CELL_KEYS = {"locators", "multiple"}

Multiple = Literal["strict", "first", "all"]
#: What an action on one element does when a selector matches several: ``strict`` (the
#: default) fails naming the count, ``first`` takes the first in document order, ``all``
#: marks a list selector (read with texts/rows/count; an action on one element fails).
MULTIPLE: tuple[Multiple, ...] = ("strict", "first", "all")


@dataclass(frozen=True)
class CellSpec:
    """One cell of a row selector: locators relative to the row, tried in order."""

    name: str
    locators: tuple[str, ...]
    multiple: Multiple = "strict"


@dataclass(frozen=True)
class SelectorSpec:
    name: str
    locators: tuple[str, ...]
    frame: tuple[str, ...] = ()
    secret: bool = False
    multiple: Multiple = "strict"
    cells: tuple[CellSpec, ...] = ()

    def cell(self, name: str) -> CellSpec | None:
        return next((c for c in self.cells if c.name == name), None)


@dataclass(frozen=True)
class AppSelectors:
    app: str
    base_url: str
    version: str | None
    source: Path
    selectors: dict[str, SelectorSpec] = field(default_factory=dict)

    def spec(self, name: str) -> SelectorSpec:
        try:
            return self.selectors[name]
        except KeyError:
            raise SelectorError(
                f"{self.app}: unknown selector name {name!r} (not in {self.source})"
            ) from None

    def secret_specs(self) -> list[SelectorSpec]:
        return [s for s in self.selectors.values() if s.secret]


def url_env_var(app: str) -> str:
    """``legacy_erp`` -> ``FINBOTS_LEGACY_ERP_URL``."""
    return f"FINBOTS_{re.sub(r'[^A-Za-z0-9]', '_', app).upper()}_URL"


def _strings(value: Any, where: str, source: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise ConfigError(f"{source}: {where} must be a non-empty list of strings")
    return tuple(value)


def _multiple(raw: dict[str, Any], where: str, source: Path) -> Multiple:
    value = raw.get("multiple", "strict")
    if value not in MULTIPLE:
        raise ConfigError(f"{source}: {where}.multiple must be one of {', '.join(MULTIPLE)}")
    return cast(Multiple, value)


def _cells(raw: Any, where: str, source: Path) -> tuple[CellSpec, ...]:
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"{source}: {where} must be a mapping of cell name -> locators")
    cells = []
    for name, value in raw.items():
        at = f"{where}.{name}"
        if isinstance(value, dict):
            unknown = set(value) - _CELL_KEYS
            if unknown or "locators" not in value:
                raise ConfigError(f"{source}: {at} needs locators (and may set multiple)")
            cells.append(CellSpec(str(name), _strings(value["locators"], f"{at}.locators",
                                                      source), _multiple(value, at, source)))
        else:
            cells.append(CellSpec(str(name), _strings(value, at, source)))
    return tuple(cells)


def _spec(name: str, raw: Any, source: Path) -> SelectorSpec:
    where = f"selectors.{name}"
    if isinstance(raw, list | str):
        return SelectorSpec(name, _strings(raw, where, source))
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: {where} must be a list of locators or a mapping")
    unknown = set(raw) - _SPEC_KEYS
    if unknown:
        raise ConfigError(f"{source}: {where} has unknown keys {sorted(unknown)}")
    if "locators" not in raw:
        raise ConfigError(f"{source}: {where}.locators is missing")
    secret = raw.get("secret", False)
    if not isinstance(secret, bool):
        raise ConfigError(f"{source}: {where}.secret must be true or false")
    frame = _strings(raw["frame"], f"{where}.frame", source) if raw.get("frame") else ()
    cells = _cells(raw["cells"], f"{where}.cells", source) if "cells" in raw else ()
    return SelectorSpec(name, _strings(raw["locators"], f"{where}.locators", source), frame,
                        secret, _multiple(raw, where, source), cells)


def parse_selectors(app: str, text: str, source: Path) -> AppSelectors:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"{source}: top level must be a mapping")
    if doc.get("app", app) != app:
        raise ConfigError(f"{source}: app is {doc.get('app')!r}, expected {app!r}")
    base_url = os.environ.get(url_env_var(app)) or doc.get("base_url")
    if not isinstance(base_url, str) or not base_url:
        raise ConfigError(f"{source}: base_url is missing (or set {url_env_var(app)})")
    raw = doc.get("selectors")
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"{source}: selectors must be a non-empty mapping")
    specs = {str(name): _spec(str(name), value, source) for name, value in raw.items()}
    version = doc.get("version")
    return AppSelectors(
        app, base_url.rstrip("/"), None if version is None else str(version), source, specs
    )


def selector_search_path(*folders: Path | str | None) -> list[Path]:
    """The folders to look for selector files in, in order, each once.

    ``FINBOTS_SELECTORS_DIR`` (an override) first, then ``folders`` (a bot's own
    ``selectors`` folder; ``None`` is skipped), then the installation's ``selectors/``.
    """
    override = os.environ.get("FINBOTS_SELECTORS_DIR")
    ordered = [Path(override)] if override else []
    ordered += [Path(f) for f in folders if f]
    ordered.append(installed_selectors_dir())
    seen: set[Path] = set()
    out: list[Path] = []
    for folder in ordered:
        key = folder.expanduser().resolve()
        if key not in seen:
            seen.add(key)
            out.append(folder.expanduser())
    return out


def find_selector_file(app: str, folders: Sequence[Path]) -> Path:
    """``<folder>/<app>.yaml`` of the first folder that has one."""
    for folder in folders:
        source = Path(folder) / f"{app}.yaml"
        if source.is_file():
            return source
    tried = ", ".join(str(f) for f in folders) or "no folder"
    raise ConfigError(f"no selectors for app {app!r}: no {app}.yaml in {tried}")


def selector_folders(
    directory: Path | None = None, selectors_dirs: Sequence[Path] | None = None
) -> list[Path]:
    """The folders a loader searches: ``directory`` alone when given (one folder), else
    ``selectors_dirs`` as given, else the default :func:`selector_search_path`."""
    if directory is not None:
        return [Path(directory)]
    if selectors_dirs is not None:
        return [Path(d) for d in selectors_dirs]
    return selector_search_path()


def load_selectors(
    app: str, directory: Path | None = None, *, selectors_dirs: Sequence[Path] | None = None
) -> AppSelectors:
    """Load and validate ``<app>.yaml`` from the first of the folders that has it.

    ``directory``: exactly that folder; ``selectors_dirs``: these folders in order
    (build them with :func:`selector_search_path`); neither: the default search path.
    """
    source = find_selector_file(app, selector_folders(directory, selectors_dirs))
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"no selectors for app {app!r}: cannot read {source} ({exc})") from exc
    return parse_selectors(app, text, source)
