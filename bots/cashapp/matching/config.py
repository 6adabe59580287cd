"""Matching settings: every threshold, tolerance and word list lives here, not in the rules.

``MatchingConfig.from_dict`` takes the same keys as the dataclass fields; ``load_config``
reads them from a YAML, TOML or JSON file (optionally under a top-level ``matching`` key).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from bots.runtime.errors import ConfigError

DEFAULT_CONFIDENCE: dict[str, float] = {
    "structured_reference": 0.99,  # validated RF found on an open item
    "remittance_advice": 0.97,  # the customer's own allocation
    "invoice_exact": 0.97,  # invoice number in the text, character for character
    "invoice_ocr": 0.93,  # equal once O/0, I/l/1, S/5, B/8 are folded
    "invoice_core": 0.92,  # equal without the alphabetic prefix (e.g. "2026-1006")
    "invoice_fuzzy": 0.88,  # close to one of the payer's invoice numbers
    "amount_single": 0.90,  # no reference: the only open item of the payer with that amount
    "amount_combination": 0.88,  # no reference: the only combination summing to the amount
    "unknown_payer_penalty": 0.07,  # subtracted when the payer is known only via the reference
    "fuzzy_name_penalty": 0.06,  # subtracted when the payer was found by a fuzzy name
}

DEFAULT_PARTIAL_KEYWORDS = (
    "partial",
    "part payment",
    "installment",
    "instalment",
    "a conto",
    "acconto",
    "Teilzahlung",
    "Abschlagszahlung",
    "pago parcial",
    "paiement partiel",
    "acompte",
    "1/2",
    "1/3",
    "2/3",
    "1/4",
)

DEFAULT_LEGAL_FORMS = (
    "GmbH",
    "mbH",
    "GmbH & Co. KG",
    "KG",
    "OHG",
    "UG",
    "AG",
    "SE",
    "Ltd",
    "Limited",
    "PLC",
    "LLP",
    "LLC",
    "Inc",
    "Inc.",
    "Incorporated",
    "Corp",
    "Corporation",
    "Co",
    "Company",
    "S.A.",
    "SA",
    "S.A.S.",
    "SAS",
    "SARL",
    "S.L.",
    "SL",
    "S.p.A.",
    "SpA",
    "S.r.l.",
    "Srl",
    "B.V.",
    "BV",
    "N.V.",
    "NV",
    "AS",
    "A/S",
    "ASA",
    "AB",
    "Oy",
    "ApS",
    "Sp. z o.o.",
)


@dataclass(frozen=True)
class MatchingConfig:
    auto_post_threshold: float = 0.85  # results below this confidence are exceptions
    write_off_abs: Decimal = Decimal("5.00")  # a short payment up to this is written off...
    write_off_pct: Decimal = Decimal("0.5")  # ...if also within this percent of the amount due
    invoice_fuzzy_cutoff: float = 85.0  # rapidfuzz score (0..100) for a garbled invoice number
    name_fuzzy_cutoff: float = 88.0  # rapidfuzz score (0..100) for a payer name
    name_fuzzy_margin: float = 4.0  # the best name must beat the runner-up by this much
    min_reference_length: int = 4  # shorter text fragments are never taken as a reference
    max_reference_tokens: int = 3  # adjacent text tokens joined to rebuild a split number
    max_combination_items: int = 5  # invoices one payment may settle, found by amount alone
    max_combination_nodes: int = 5000  # search steps per payment before giving up
    max_combination_candidates: int = 60  # payer's items considered for a combination
    max_candidates: int = 5  # candidates listed on an exception
    duplicate_window_days: int = 10
    partial_keywords: tuple[str, ...] = DEFAULT_PARTIAL_KEYWORDS
    legal_forms: tuple[str, ...] = DEFAULT_LEGAL_FORMS
    confidence: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CONFIDENCE))

    def score(self, name: str) -> float:
        return self.confidence.get(name, DEFAULT_CONFIDENCE.get(name, 0.0))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MatchingConfig:
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(f"unknown matching settings: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, raw in data.items():
            values[key] = _convert(key, raw, cls.__dataclass_fields__[key].type)
        if "confidence" in values:
            values["confidence"] = {**DEFAULT_CONFIDENCE, **values["confidence"]}
        cfg = cls(**values)
        if not 0 <= cfg.auto_post_threshold <= 1:
            raise ConfigError("auto_post_threshold must be between 0 and 1")
        if cfg.write_off_abs < 0 or cfg.write_off_pct < 0:
            raise ConfigError("write-off tolerances must not be negative")
        return cfg


def _convert(key: str, raw: Any, kind: object) -> Any:
    text = str(kind)
    try:
        if "Decimal" in text:
            return Decimal(str(raw))
        if text == "float":
            return float(raw)
        if text == "int":
            return int(raw)
        if text.startswith("tuple"):
            if isinstance(raw, str) or not isinstance(raw, list | tuple):
                raise TypeError("expected a list")
            return tuple(str(v) for v in raw)
        if text.startswith("dict"):
            return {str(k): float(v) for k, v in dict(raw).items()}
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ConfigError(f"matching setting {key}: {raw!r} is not valid ({exc})") from exc
    return raw


def load_config(path: Path | str | None) -> MatchingConfig:
    """Settings from a ``.yaml``/``.yml``, ``.toml`` or ``.json`` file; defaults for ``None``."""
    if path is None:
        return MatchingConfig()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read matching config ({exc})") from exc
    try:
        if file.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        elif file.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text) or {}
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{file}: not a valid matching config ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: matching config must be a mapping")
    if isinstance(data.get("matching"), dict):
        data = data["matching"]
    try:
        return MatchingConfig.from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{file}: {exc}") from exc
