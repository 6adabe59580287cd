"""Bounded subset-sum: which of a payer's open items add up exactly to a payment.

Depth-first over amounts in cents, largest first, pruned by the remaining sum; stops at
the second solution (two solutions mean AMBIGUOUS, never a guess) or after ``max_nodes``
steps (then nothing can be claimed about uniqueness).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bots.cashapp.model import OpenItem


@dataclass(frozen=True, slots=True)
class CombinationSearch:
    solutions: tuple[tuple[OpenItem, ...], ...]
    conclusive: bool  # space searched fully, or enough solutions found to call it ambiguous


def find_combinations(
    amount: Decimal,
    items: Sequence[tuple[OpenItem, Decimal]],
    *,
    min_items: int = 2,
    max_items: int = 5,
    max_nodes: int = 5000,
    max_solutions: int = 2,
) -> CombinationSearch:
    """Combinations of ``min_items``..``max_items`` items whose amounts sum to ``amount``."""
    target = int(amount * 100)
    pool = sorted(
        ((int(a * 100), it) for it, a in items if 0 < a < amount),
        key=lambda p: (p[0], p[1].invoice_number),
    )
    cents = [c for c, _ in pool]
    prefix = [0]
    for c in cents:
        prefix.append(prefix[-1] + c)
    found: list[tuple[OpenItem, ...]] = []
    nodes = 0
    chosen: list[int] = []

    def walk(limit: int, rest: int) -> bool:
        """Pick the next item among pool[:limit] (descending); False when capped."""
        nonlocal nodes
        if rest == 0:
            if len(chosen) >= min_items:
                found.append(tuple(pool[k][1] for k in sorted(chosen)))
            return True
        if len(chosen) >= max_items:
            return True
        top = min(limit, bisect_right(cents, rest, 0, limit))
        for k in range(top - 1, -1, -1):
            if prefix[k + 1] < rest:  # even all smaller items together fall short
                return True
            nodes += 1
            if nodes > max_nodes:
                return False
            chosen.append(k)
            ok = walk(k, rest - cents[k])
            chosen.pop()
            if not ok or len(found) >= max_solutions:
                return ok
        return True

    complete = walk(len(pool), target)
    return CombinationSearch(tuple(found), complete or len(found) >= max_solutions)
