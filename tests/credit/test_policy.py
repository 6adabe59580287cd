"""The credit policy: its configuration check names the field, and its decision on the
facts of an order (release, or the failed rule, the role and the approvers)."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bots.credit.policy import CreditFacts, CreditPolicy, check_policy, decide
from bots.runtime.errors import ConfigError

DEFAULT = yaml.safe_load((Path(__file__).parents[2] / "bots" / "credit" / "config"
                          / "credit_policy.yaml").read_text())
POLICY = CreditPolicy.from_config(DEFAULT)


def facts(amount: str = "4000.00", *, limit: str | None = "50000.00", risk: str = "A",
          receivables: str = "10000.00", orders: str = "0.00", overdue: int = 0,
          late: str | None = None, disputes: int = 0) -> CreditFacts:
    return CreditFacts("SO-1", "C1", Decimal(amount), "EUR", "overdue items",
                       None if limit is None else Decimal(limit), risk, Decimal(receivables),
                       Decimal(orders), overdue, None if late is None else Decimal(late),
                       disputes)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("routing"), "routing"),
    (lambda d: d["risk_classes"]["A"].update(auto_release_up_to="1e5x"),
     "risk_classes.A.auto_release_up_to"),
    (lambda d: d["risk_classes"]["B"].update(max_days_overdue=-1),
     "risk_classes.B.max_days_overdue"),
    (lambda d: d["risk_classes"]["C"].update(max_days_late=3), "unknown rule 'max_days_late'"),
    (lambda d: d["routing"].update(two_approvers_above="1000.00"), "two_approvers_above"),
])
def test_a_wrong_policy_is_refused_naming_the_field(change: Any, message: str) -> None:
    doc = copy.deepcopy(DEFAULT)
    change(doc)
    with pytest.raises(ConfigError, match=message):
        check_policy(doc)


def test_released_when_every_rule_holds_and_the_rule_says_why() -> None:
    decision = decide(POLICY, facts(overdue=12, late="3.5"))
    assert decision.release and "exposure 14000.00 within the limit 50000.00" in decision.rule


@pytest.mark.parametrize(("kwargs", "rule"), [
    ({"receivables": "47000.00"}, "exposure after release 51000.00 over the credit limit"),
    ({"limit": None}, "no credit limit in the customer master"),
    ({"overdue": 31}, "an item 31 days overdue (risk class A allows 30)"),
    ({"late": "15"}, "paid 15 days late on average"),
    ({"disputes": 2}, "2 open dispute(s)"),
    ({"amount": "10000.01"}, "above the automatic release limit 10000.00"),
    ({"risk": "C", "amount": "1.00"}, "above the automatic release limit 0.00"),
    ({"risk": "Z"}, "risk class Z has no credit rules"),
])
def test_each_rule_stops_the_automatic_release(kwargs: dict[str, Any], rule: str) -> None:
    decision = decide(POLICY, facts(**kwargs))
    assert not decision.release and rule in decision.rule


@pytest.mark.parametrize(("amount", "role", "approvers"), [
    ("25000.00", "credit_analyst", 0), ("25000.01", "credit_manager", 0),
    ("100000.00", "credit_manager", 0), ("100000.01", "credit_manager", 2),
])
def test_routed_by_amount_and_dual_control_above_the_second_threshold(
        amount: str, role: str, approvers: int) -> None:
    decision = decide(POLICY, facts(amount, limit="1000000.00"))
    assert (decision.release, decision.route_to, decision.approvers) == (False, role, approvers)
