"""The reconciliation every statement must pass: opening + credits - debits = closing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bots.cashapp.model import Direction, Statement
from bots.runtime.errors import BalanceMismatchError


def movement(statement: Statement) -> Decimal:
    """Credits minus debits."""
    return sum((e.amount if e.direction is Direction.CREDIT else -e.amount
                for e in statement.entries), Decimal("0"))


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """A statement's balances against its entries: ``difference`` = closing - expected."""

    opening: Decimal
    closing: Decimal
    movement: Decimal  # the sum of the entries: credits minus debits

    @property
    def expected(self) -> Decimal:
        """The closing balance the entries explain."""
        return self.opening + self.movement

    @property
    def difference(self) -> Decimal:
        return self.closing - self.expected

    @property
    def balanced(self) -> bool:
        return self.difference == 0

    def describe(self) -> str:
        return (f"opening {self.opening} + entries {self.movement} = {self.expected}, but the "
                f"closing balance is {self.closing} (difference {self.difference})")


def reconcile(statement: Statement) -> Reconciliation | None:
    """The statement's reconciliation; None for a statement without balances (camt.054
    notifications, CSV exports), which has nothing to reconcile."""
    if statement.opening_balance is None or statement.closing_balance is None:
        return None
    return Reconciliation(statement.opening_balance, statement.closing_balance,
                          movement(statement))


def check_balance(statement: Statement) -> None:
    """Raise BalanceMismatchError unless the entries explain the balances.

    Statements without balances (camt.054 notifications, CSV exports) pass unchecked.
    """
    found = reconcile(statement)
    if found is not None and not found.balanced:
        raise BalanceMismatchError(found.describe(), file=statement.source or None,
                                   location=f"statement {statement.statement_id}")
