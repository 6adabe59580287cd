"""Selector files: ``selectors/<app>.yaml`` maps logical names to ordered locators.

See the format in the project's contracts. A logical name resolves to a
:class:`SelectorSpec`: locators tried in order, an optional frame chain (outer first) and
a ``secret`` flag (values masked in steps and screenshots).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bots.runtime.errors import ConfigError, SelectorError
from bots.runtime.paths import selectors_dir

__all__ = ["AppSelectors", "SelectorSpec", "load_selectors", "url_env_var"]

_SPEC_KEYS = {"locators", "frame", "secret"}


@dataclass(frozen=True)
class SelectorSpec:
    name: str
    locators: tuple[str, ...]
    frame: tuple[str, ...] = ()
    secret: bool = False


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
    return SelectorSpec(name, _strings(raw["locators"], f"{where}.locators", source), frame, secret)


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


def load_selectors(app: str, directory: Path | None = None) -> AppSelectors:
    """Load and validate ``<directory>/<app>.yaml`` (default: :func:`selectors_dir`)."""
    source = (directory or selectors_dir()) / f"{app}.yaml"
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"no selectors for app {app!r}: cannot read {source} ({exc})") from exc
    return parse_selectors(app, text, source)
