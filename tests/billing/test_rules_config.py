"""The billing rules' configuration: the packaged default loads; a wrong setting is refused
with an error naming it (what a finance person sees when saving an edited version)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml

from bots.billing.rules.config import DEFAULT_PATH, BillingRules, check_billing_rules
from bots.runtime.bot_config import parse_config
from bots.runtime.errors import ConfigError


def _default() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_the_packaged_default_is_a_german_seller_with_exact_tolerances() -> None:
    rules = BillingRules.from_config(_default())
    assert rules.seller_country == "DE"
    assert rules.domestic_rates["S"] == Decimal("19.00")
    assert "FR" in rules.eu_countries and "CH" not in rules.eu_countries
    assert rules.rounding_tolerance == 0 and rules.mid_period_amendment == "pro_rata_days"


@pytest.mark.parametrize(("key", "value", "named"), [
    ("seller_country", "Germany", "seller_country"),
    ("eu_countries", "FR", "eu_countries"),
    ("domestic_rates", {"S": "nineteen"}, "domestic_rates.S"),
    ("domestic_rates", {"S": "19", "AE": "0"}, "'AE' is not a domestic category"),
    ("domestic_rates", {"S": "190"}, "at most 100"),
    ("rounding_tolerance", "-0.01", "rounding_tolerance"),
    ("price_tolerance", "a cent", "price_tolerance"),
    ("mid_period_amendment", "daily", "pro_rata_days, whole_period"),
    ("domestic_vat_id_required", "yes", "domestic_vat_id_required"),
    ("vat_rates", {}, "unknown setting 'vat_rates'"),
])
def test_a_wrong_setting_is_refused_naming_it(key: str, value: object, named: str) -> None:
    doc = _default()
    doc[key] = value
    with pytest.raises(ConfigError) as caught:
        check_billing_rules(doc)
    assert named in str(caught.value)


def test_the_check_runs_where_a_bot_reads_its_document() -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace('S: "19.00"', 'S: "-1"')
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "billing_rules.yaml", check_billing_rules)
    assert "billing_rules.yaml" in str(caught.value) and "domestic_rates.S" in str(caught.value)
