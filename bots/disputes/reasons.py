"""The reason book: why a customer disputes an invoice, who owns it, and by when.

The book is the disputes bot's configuration document ``dispute_reasons`` (packaged default
``config/dispute_reasons.yaml``; finance people change it in the orchestrator). Each reason
code names the team that decides it (``finance``, ``sales``, ``operations``), the hours that
team has from intake (the case's SLA), and the same reason in other systems' code lists (a
JD Edwards-style deduction reason code, the X12 adjustment reason code). The book also holds
the classifier's confidence threshold: a suggestion below it goes to a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots.runtime.bot_config import parse_config
from bots.runtime.errors import ConfigError

__all__ = [
    "CONFIG_NAME",
    "DEFAULT_PATH",
    "OWNER_TEAMS",
    "ReasonBook",
    "ReasonCode",
    "check_dispute_reasons",
    "load_reason_book",
]

#: the configuration document's name (``finbots config show disputes dispute_reasons``)
CONFIG_NAME = "dispute_reasons"
DEFAULT_PATH = Path(__file__).resolve().parent / "config" / "dispute_reasons.yaml"
OWNER_TEAMS = ("finance", "sales", "operations")
#: the reason every book must have: where unclear claims go
FALLBACK_CODE = "OTHER"
MAX_SLA_HOURS = 90 * 24
MAX_REASONS = 50
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
_EXTERNAL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_KEYS = {"confidence_threshold", "reasons"}
_REASON_KEYS = {"label", "owner_team", "sla_hours", "external"}


@dataclass(frozen=True, slots=True)
class ReasonCode:
    """One reason a customer disputes an invoice."""

    code: str
    label: str
    owner_team: str
    sla_hours: int
    external: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReasonBook:
    """Every reason code of the book, in its order, and the classifier's threshold."""

    codes: tuple[ReasonCode, ...]
    confidence_threshold: float

    def get(self, code: str) -> ReasonCode:
        """The reason ``code`` (ConfigError naming the known codes when there is none)."""
        for reason in self.codes:
            if reason.code == code:
                return reason
        known = ", ".join(r.code for r in self.codes)
        raise ConfigError(f"{CONFIG_NAME}: unknown reason code {code!r} (known: {known})")

    def owner(self, code: str) -> str:
        """The team that decides claims of reason ``code``."""
        return self.get(code).owner_team

    def label(self, code: str) -> str:
        return self.get(code).label

    @property
    def code_names(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.codes)

    def by_external(self, system: str, value: str) -> ReasonCode | None:
        """The reason another system's code stands for (``("x12_adjustment", "19")``)."""
        for reason in self.codes:
            if reason.external.get(system) == value:
                return reason
        return None


def _reason(code: Any, raw: Any) -> ReasonCode:
    where = f"reasons.{code}"
    if not isinstance(code, str) or not _CODE.match(code):
        raise ConfigError(f"reasons: {code!r} is not a reason code (UPPER_CASE letters, "
                          "digits and _, 2 to 40 characters)")
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: a mapping with label, owner_team, sla_hours, external")
    unknown = set(raw) - _REASON_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown setting {sorted(map(str, unknown))[0]!r}")
    label = str(raw.get("label") or "").strip()
    if not label or len(label) > 100:
        raise ConfigError(f"{where}.label: a name of 1 to 100 characters")
    owner = raw.get("owner_team")
    if owner not in OWNER_TEAMS:
        raise ConfigError(f"{where}.owner_team: one of {', '.join(OWNER_TEAMS)} "
                          f"(not {owner!r})")
    hours = raw.get("sla_hours")
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_SLA_HOURS:
        raise ConfigError(f"{where}.sla_hours: a whole number of hours from 1 to "
                          f"{MAX_SLA_HOURS}")
    external_raw = raw.get("external") or {}
    if not isinstance(external_raw, Mapping):
        raise ConfigError(f"{where}.external: a mapping of system to code")
    external: dict[str, str] = {}
    for system, value in external_raw.items():
        if not isinstance(system, str) or not _EXTERNAL_KEY.match(system):
            raise ConfigError(f"{where}.external: {system!r} is not a system name "
                              "(lower_case)")
        text = str(value).strip() if isinstance(value, str | int) else ""
        if not text or len(text) > 20:
            raise ConfigError(f"{where}.external.{system}: a code of 1 to 20 characters")
        external[system] = text
    return ReasonCode(code, label, owner, hours, external)


def _threshold(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ConfigError("confidence_threshold: a number from 0 to 1")
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"confidence_threshold: {raw!r} is not a number from 0 to 1") from None
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"confidence_threshold: {value} is not from 0 to 1")
    return value


def book_from_config(values: Mapping[str, Any]) -> ReasonBook:
    """The book a configuration document describes (ConfigError names the field)."""
    unknown = set(values) - _KEYS
    if unknown:
        raise ConfigError(f"unknown setting {sorted(map(str, unknown))[0]!r}")
    if "confidence_threshold" not in values:
        raise ConfigError("confidence_threshold: missing")
    threshold = _threshold(values["confidence_threshold"])
    reasons = values.get("reasons")
    if not isinstance(reasons, Mapping) or not reasons:
        raise ConfigError("reasons: a mapping of reason code to its settings")
    if len(reasons) > MAX_REASONS:
        raise ConfigError(f"reasons: at most {MAX_REASONS} reason codes")
    codes = tuple(_reason(code, raw) for code, raw in reasons.items())
    if FALLBACK_CODE not in {r.code for r in codes}:
        raise ConfigError(f"reasons.{FALLBACK_CODE}: missing (unclear claims go there)")
    return ReasonBook(codes, threshold)


def check_dispute_reasons(doc: dict[str, Any]) -> None:
    """The configuration check the bot declares (ConfigError names the field)."""
    book_from_config(doc)


_DEFAULT: ReasonBook | None = None


def load_reason_book(values: Mapping[str, Any] | None = None) -> ReasonBook:
    """The reason book from the bot's ``dispute_reasons`` document (``ctx.config(...)``);
    ``None``: the packaged default."""
    global _DEFAULT
    if values is not None:
        try:
            return book_from_config(values)
        except ConfigError as exc:
            raise ConfigError(f"{CONFIG_NAME}: {exc}") from None
    if _DEFAULT is None:
        doc = parse_config(DEFAULT_PATH.read_text(encoding="utf-8"), DEFAULT_PATH.name,
                           check_dispute_reasons)
        _DEFAULT = book_from_config(doc)
    return _DEFAULT
