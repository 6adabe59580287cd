"""The billing rules' configuration (``config/billing_rules.yaml``), parsed and checked.

A bot declares the document with :func:`check_billing_rules` as its validator and reads it
with ``BillingRules.from_config(ctx.config("billing_rules"))``; tests and benchmarks use
:func:`default_rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bots.runtime.bot_config import parse_config
from bots.runtime.errors import ConfigError

__all__ = ["DEFAULT_PATH", "BillingRules", "check_billing_rules", "default_rules"]

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "billing_rules.yaml"
AMENDMENT_MODES = ("pro_rata_days", "whole_period")
_KEYS = {"seller_country", "eu_countries", "domestic_rates", "exemption_reasons",
         "rounding_tolerance", "price_tolerance", "mid_period_amendment",
         "domestic_vat_id_required"}


def _decimal(raw: Any, where: str, *, most: Decimal | None = None) -> Decimal:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ConfigError(f"billing_rules: {where}: {raw!r} is not a number") from None
    if not value.is_finite() or value < 0 or (most is not None and value > most):
        limit = f" and at most {most}" if most is not None else ""
        raise ConfigError(f"billing_rules: {where}: {raw!r} must be 0 or more{limit}")
    return value


def _country(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or len(raw) != 2 or not raw.isalpha():
        raise ConfigError(f"billing_rules: {where}: {raw!r} is not a two-letter country code")
    return raw.upper()


@dataclass(frozen=True, slots=True)
class BillingRules:
    """The tax set-up and tolerances every rule reads."""

    seller_country: str
    eu_countries: frozenset[str]
    domestic_rates: Mapping[str, Decimal]
    exemption_reasons: Mapping[str, str]
    rounding_tolerance: Decimal
    price_tolerance: Decimal
    mid_period_amendment: str = "pro_rata_days"
    domestic_vat_id_required: bool = False

    @classmethod
    def from_config(cls, doc: Mapping[str, Any]) -> BillingRules:
        unknown = set(doc) - _KEYS
        if unknown:
            raise ConfigError(f"billing_rules: unknown setting {sorted(unknown)[0]!r}")
        seller = _country(doc.get("seller_country"), "seller_country")
        eu_raw = doc.get("eu_countries")
        if not isinstance(eu_raw, list) or not eu_raw:
            raise ConfigError("billing_rules: eu_countries: a list of country codes")
        eu = frozenset(_country(c, f"eu_countries[{i}]") for i, c in enumerate(eu_raw))
        rates_raw = doc.get("domestic_rates")
        if not isinstance(rates_raw, Mapping) or "S" not in rates_raw:
            raise ConfigError("billing_rules: domestic_rates: a rate per category, S at least")
        rates: dict[str, Decimal] = {}
        for category, rate in rates_raw.items():
            if category not in ("S", "Z", "E"):
                raise ConfigError(f"billing_rules: domestic_rates: {category!r} is not a "
                                  "domestic category (S, Z or E)")
            rates[category] = _decimal(rate, f"domestic_rates.{category}", most=Decimal(100))
        reasons_raw = doc.get("exemption_reasons") or {}
        if not isinstance(reasons_raw, Mapping):
            raise ConfigError("billing_rules: exemption_reasons: a text per category")
        reasons = {str(k): str(v) for k, v in reasons_raw.items()}
        mode = doc.get("mid_period_amendment", "pro_rata_days")
        if mode not in AMENDMENT_MODES:
            raise ConfigError(f"billing_rules: mid_period_amendment: {mode!r} is not one of "
                              f"{', '.join(AMENDMENT_MODES)}")
        required = doc.get("domestic_vat_id_required", False)
        if not isinstance(required, bool):
            raise ConfigError("billing_rules: domestic_vat_id_required: true or false")
        return cls(seller, eu, rates, reasons,
                   _decimal(doc.get("rounding_tolerance", "0"), "rounding_tolerance",
                            most=Decimal(1)),
                   _decimal(doc.get("price_tolerance", "0"), "price_tolerance"),
                   mode, required)


def check_billing_rules(doc: dict[str, Any]) -> None:
    """The configuration check (raises ConfigError naming the setting)."""
    BillingRules.from_config(doc)


def default_rules() -> BillingRules:
    """The packaged default configuration."""
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    return BillingRules.from_config(parse_config(text, DEFAULT_PATH.name, check_billing_rules))
