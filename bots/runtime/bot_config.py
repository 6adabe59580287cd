"""A bot's configuration documents: policies, dunning levels, templates (``ctx.config``).

A bot ships each document's default as a YAML file in its package and declares it::

    bot = Bot(name="collections", version="1.0.0",
              config={"dunning": ConfigSpec(HERE / "config" / "dunning.yaml",
                                            validate=check_dunning,
                                            description="dunning levels and templates")})

    levels = ctx.config("dunning")["levels"]

Finance people change a document in the orchestrator (web, API or CLI); every change is a new
version, audited with who, when and why, checked by the bot's ``validate`` before it is
saved. A run reads each document once, from its first use on, so one run never mixes two
versions, and records a ``config`` step naming the version and its digest; without an
orchestrator (a bot's unit tests) the packaged default is used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import yaml

from bots.runtime.errors import ConfigError

__all__ = [
    "MAX_CONFIG_BYTES",
    "ConfigBackend",
    "ConfigDocument",
    "ConfigSpec",
    "changed_controls",
    "packaged_document",
    "parse_config",
    "setting",
]

#: the largest configuration document accepted (a policy or a set of templates, not data)
MAX_CONFIG_BYTES = 256 * 1024

Validator = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class ConfigSpec:
    """One configuration document a bot declares: its packaged default and its check.

    ``validate`` receives the parsed document and raises :class:`ConfigError` naming the
    field that is wrong; it runs on every change a person makes and on every read.

    ``controls``: the settings (top-level keys, or ``a.b`` paths into mappings) that decide
    what the bot does without a person, or who must approve: limits and thresholds. A
    change to any of them takes effect only once a second person approves it, so no one
    raises a limit and then uses it alone.
    """

    default: Path
    validate: Validator | None = None
    description: str = ""
    controls: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConfigDocument:
    """One version of a configuration document (version 0: the packaged default)."""

    bot: str
    name: str
    version: int
    content: str
    sha256: str
    changed_by: str = ""
    changed_at: dt.datetime | None = None
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def origin(self) -> str:
        if self.version == 0:
            return "packaged default"
        when = self.changed_at.strftime("%Y-%m-%d %H:%M UTC") if self.changed_at else "?"
        return f"version {self.version} by {self.changed_by} at {when}"


@runtime_checkable
class ConfigBackend(Protocol):
    """Where edited versions live (the orchestrator's store)."""

    def get_config(self, bot: str, name: str) -> ConfigDocument | None:
        """The newest saved version, or None when only the packaged default exists."""
        ...


def digest(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def parse_config(content: str, where: str, validate: Validator | None = None) -> dict[str, Any]:
    """Parse and check a document's YAML text; errors name ``where`` and the place."""
    if len(content.encode("utf-8")) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{where}: larger than {MAX_CONFIG_BYTES // 1024} KiB")
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(f"{where}: {problem}{place}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the document must be a mapping of names to values")
    if validate is not None:
        try:
            validate(data)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {type(exc).__name__}: {exc}") from None
    return data


def packaged_document(bot: str, name: str, spec: ConfigSpec) -> ConfigDocument:
    """The default shipped with the bot (version 0)."""
    try:
        content = spec.default.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"bot {bot!r} config {name!r}: cannot read {spec.default}: "
                          f"{exc.strerror}") from None
    data = parse_config(content, f"{spec.default.name}", spec.validate)
    return ConfigDocument(bot, name, 0, content, digest(content), data=data)


def as_spec(value: ConfigSpec | Path | str) -> ConfigSpec:
    return value if isinstance(value, ConfigSpec) else ConfigSpec(Path(value))


def specs(declared: Mapping[str, ConfigSpec | Path | str]) -> dict[str, ConfigSpec]:
    return {name: as_spec(value) for name, value in declared.items()}


_MISSING = object()


def setting(data: Any, path: str) -> Any:
    """The value at ``path`` (``a.b``: key ``b`` of mapping ``a``) in a parsed document, or
    a marker of its absence (an absent setting differs from any value)."""
    for key in path.split("."):
        if not isinstance(data, dict) or key not in data:
            return _MISSING
        data = data[key]
    return data


def changed_controls(controls: tuple[str, ...], before: Any, after: Any) -> list[str]:
    """The ``controls`` whose values differ between two parsed versions of a document."""
    return [path for path in controls if setting(before, path) != setting(after, path)]
