"""The dunning policy without a browser: the rules' order, levels by days overdue, what a
reminder lists, the configuration's checks and the templates in both languages."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from bots.collections.dunning import Facts, check_dunning, decide, levels
from bots.collections.erp import AgingItem
from bots.collections.templates import render
from bots.runtime.errors import ConfigError

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[2] / "bots" / "collections" /
                         "config" / "dunning.yaml").read_text(encoding="utf-8"))
LADDER = levels(CONFIG)
AS_OF = dt.date(2026, 11, 20)


def item(invoice: str, days: int, amount: str = "100.00", *, disputed: bool = False,
         promised: bool = False) -> AgingItem:
    return AgingItem(invoice, "C1", AS_OF - dt.timedelta(days=days), days, Decimal(amount),
                     disputed, promised)


@pytest.mark.parametrize(("days", "level"), [(9, None), (10, 1), (30, 1), (31, 2), (60, 2),
                                             (61, 3), (400, 3)])
def test_the_level_follows_the_most_overdue_item(days: int, level: int | None) -> None:
    decision = decide(Facts("C1", [item("A", days), item("B", 3)]), LADDER)
    assert (decision.level.level if decision.level else None) == level
    if level is None:
        assert decision.skip == "BELOW_FIRST_LEVEL"
    else:  # the reminder lists what is overdue at least level 1's days
        assert [i.invoice for i in decision.items] == ["A"]


def test_disputed_and_promised_items_are_never_reminded() -> None:
    items = [item("D", 80, disputed=True), item("P", 70, promised=True), item("R", 12)]
    decision = decide(Facts("C1", items), LADDER)
    assert decision.level is not None and decision.level.level == 1
    assert [i.invoice for i in decision.items] == ["R"]
    assert decision.held_back == (("D", "DISPUTED"), ("P", "PROMISED"))
    only_disputed = decide(Facts("C1", [item("D", 80, disputed=True)]), LADDER)
    assert (only_disputed.level, only_disputed.skip) == (None, "DISPUTED")


def test_money_already_there_or_a_block_means_no_reminder() -> None:
    overdue = [item("A", 45)]
    assert decide(Facts("C1", overdue, dunning_block=True, block_reason="legal"),
                  LADDER).skip == "DUNNING_BLOCK"
    in_case = decide(Facts("C1", overdue, payment_cases=["case 7 (AMBIGUOUS, 2000.00)"]),
                     LADDER)
    assert in_case.skip == "PAYMENT_IN_CASE" and "case 7" in in_case.why
    assert decide(Facts("C1", overdue, unapplied=Decimal("0.01")),
                  LADDER).skip == "UNAPPLIED_CASH"


def test_templates_in_the_customers_language() -> None:
    decision = decide(Facts("C1", [item("INV-1", 40, "1847.35"), item("INV-2", 20, "10.00")]),
                      LADDER)
    args = {"customer_name": "Aurora GmbH", "collector": "Maria Weber", "as_of": AS_OF,
            "reference": "DUN-C1-L2-20261120", "company": "Northwind", "currency": "EUR"}
    de = render(decision, language="de", **args)
    assert de.subject == "2. Mahnung C1: überfällige Rechnungen"
    assert "1.857,35 EUR" in de.text and "20.11.2026" in de.text and "INV-2" in de.text
    en = render(decision, language="fr", **args)  # no French template: English
    assert en.language == "en" and "1,857.35 EUR" in en.text
    assert "DUN-C1-L2-20261120" in en.text


@pytest.mark.parametrize(("change", "field"), [
    (lambda c: c["levels"][1].update(min_days_overdue=5), "levels[2].min_days_overdue"),
    (lambda c: c["levels"][0]["templates"]["en"].update(subject="{amount}"),
     "levels[1].templates.en.subject"),
    (lambda c: c["levels"][2].update(channel="fax"), "levels[3].channel"),
    (lambda c: c["levels"][0]["templates"].pop("en"), "levels[1].templates"),
])
def test_a_broken_configuration_is_refused_naming_the_field(change: object,
                                                             field: str) -> None:
    check_dunning(copy.deepcopy(CONFIG))
    broken = copy.deepcopy(CONFIG)
    change(broken)  # type: ignore[operator]
    with pytest.raises(ConfigError, match=field.replace("[", r"\[").replace("]", r"\]")):
        check_dunning(broken)
