"""The reconciliation every statement must pass: opening + credits - debits = closing."""

from __future__ import annotations

from decimal import Decimal

from bots.cashapp.model import Direction, Statement
from bots.runtime.errors import BalanceMismatchError


def movement(statement: Statement) -> Decimal:
    """Credits minus debits."""
    return sum((e.amount if e.direction is Direction.CREDIT else -e.amount
                for e in statement.entries), Decimal("0"))


def check_balance(statement: Statement) -> None:
    """Raise BalanceMismatchError unless the entries explain the balances.

    Statements without balances (camt.054 notifications, CSV exports) pass unchecked.
    """
    if statement.opening_balance is None or statement.closing_balance is None:
        return
    expected = statement.opening_balance + movement(statement)
    if expected != statement.closing_balance:
        raise BalanceMismatchError(
            f"opening {statement.opening_balance} + entries {movement(statement)} = {expected}, "
            f"but the closing balance is {statement.closing_balance} "
            f"(difference {statement.closing_balance - expected})",
            file=statement.source or None, location=f"statement {statement.statement_id}")
