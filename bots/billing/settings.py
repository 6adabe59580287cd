"""The billing-validation bot's own settings (``config/billing_bot.yaml``): the
cancellation limit above which a second person approves, how many of the largest
revenue-leakage items get a case, and the seller every e-invoice names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bots.billing.einvoice import Seller
from bots.runtime.errors import ConfigError

__all__ = ["PATH", "BotSettings", "check_settings"]

PATH = Path(__file__).resolve().parent / "config" / "billing_bot.yaml"
_KEYS = {"cancel_second_person_above", "leakage_cases_for_largest", "leakage_owner_default",
         "seller"}
_SELLER = ("name", "street", "postcode", "city", "country", "vat_id")
MAX_LEAKAGE_CASES = 100


@dataclass(frozen=True, slots=True)
class BotSettings:
    cancel_second_person_above: Decimal
    leakage_cases_for_largest: int
    leakage_owner_default: str
    seller: Seller

    @classmethod
    def from_config(cls, doc: Mapping[str, Any]) -> BotSettings:
        unknown = set(doc) - _KEYS
        if unknown:
            raise ConfigError(f"billing_bot: unknown setting {sorted(unknown)[0]!r}")
        raw = doc.get("cancel_second_person_above", "0")
        try:
            limit = Decimal(str(raw))
        except InvalidOperation:
            raise ConfigError(f"billing_bot: cancel_second_person_above: {raw!r} is not an "
                              "amount") from None
        if not limit.is_finite() or limit < 0:
            raise ConfigError("billing_bot: cancel_second_person_above: an amount of 0 or more")
        top = doc.get("leakage_cases_for_largest", 0)
        if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= MAX_LEAKAGE_CASES:
            raise ConfigError("billing_bot: leakage_cases_for_largest: a whole number from 0 "
                              f"to {MAX_LEAKAGE_CASES}")
        owner = str(doc.get("leakage_owner_default") or "").strip()
        if not owner or len(owner) > 100:
            raise ConfigError("billing_bot: leakage_owner_default: a name of 1 to 100 "
                              "characters")
        return cls(limit.quantize(Decimal("0.01")), top, owner, _seller(doc.get("seller")))


def _seller(raw: Any) -> Seller:
    """The invoicing company every e-invoice names (ConfigError names the missing field)."""
    if not isinstance(raw, Mapping):
        raise ConfigError("billing_bot: seller: name, street, postcode, city, country, vat_id")
    values = {k: str(raw.get(k) or "").strip() for k in (*_SELLER, "iban")}
    for key in _SELLER:
        if not values[key] or len(values[key]) > 200:
            raise ConfigError(f"billing_bot: seller.{key}: 1 to 200 characters")
    if len(values["country"]) != 2 or not values["country"].isalpha():
        raise ConfigError("billing_bot: seller.country: a two-letter country code")
    return Seller(values["name"], values["street"], values["postcode"], values["city"],
                  values["country"].upper(), values["vat_id"], values["iban"] or None)


def check_settings(doc: dict[str, Any]) -> None:
    """The configuration check (ConfigError names the setting)."""
    BotSettings.from_config(doc)
