"""Invariants of match_statement on random statements (hypothesis)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_helpers import IBAN_A, IBAN_B, IBAN_X, entry, item

from bots.cashapp.matching import match_statement
from bots.cashapp.model import Decision

AMOUNTS = ["100.00", "250.00", "350.00", "100.00", "600.00", "1000.00"]
ITEMS = [item(f"INV-2026-10{k:02d}", a, "C1" if k % 2 else "C2") for k, a in enumerate(AMOUNTS)]
ITEMS.append(
    item(
        "INV-2026-1099",
        "1000.00",
        "C1",
        discount_percent=Decimal(2),
        discount_until=ITEMS[0].due_date,
    )
)
TEXTS = (
    ["", "partial payment", "SEPA"]
    + [i.invoice_number for i in ITEMS]
    + ["INV-2026-1001 INV-2026-1003", "2026-1002", "lNV-2O26-1OO4", "INV-2026-1010"]
)
PAY = [
    "100.00",
    "200.00",
    "250.00",
    "350.00",
    "450.00",
    "600.00",
    "980.00",
    "1000.00",
    "999.50",
    "1350.00",
    "50.00",
]


@st.composite
def statements(draw):
    n = draw(st.integers(1, 12))
    out = []
    for k in range(n):
        iban = draw(st.sampled_from([IBAN_A, IBAN_B, IBAN_X, None]))
        out.append(
            entry(
                f"e{k}",
                draw(st.sampled_from(PAY)),
                draw(st.sampled_from(TEXTS)),
                iban=iban,
                name=draw(st.sampled_from(["Acme Industrial GmbH", "Borealis Foods", "Nobody"])),
                credit=draw(st.booleans()) or draw(st.booleans()),
                bank_reference=f"R{draw(st.integers(0, n + 2))}",
            )
        )
    return out


def check_invariants(entries, results) -> None:
    assert [r.entry_id for r in results] == [e.entry_id for e in entries]
    used: dict[str, Decimal] = defaultdict(Decimal)
    for e, r in zip(entries, results, strict=True):
        if not e.is_credit:
            assert r.decision is Decision.SKIP
        if r.decision is not Decision.POST:
            assert r.allocations == ()
            continue
        assert r.confidence >= 0.85
        assert sum(a.amount for a in r.allocations) <= e.amount
        assert len({a.invoice_number for a in r.allocations}) == len(r.allocations)
        for a in r.allocations:
            assert a.amount > 0 and a.write_off >= 0 and a.discount >= 0
            used[a.invoice_number] += a.settles
    opened = {i.invoice_number: i.amount_open for i in ITEMS}
    for number, total in used.items():
        assert total <= opened[number], number


def summary(results):
    return {r.entry_id: (r.decision, r.reason, r.rule, r.allocations, r.partial) for r in results}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements(), st.randoms(use_true_random=False))
def test_invariants_hold_and_order_does_not_matter(entries, rnd) -> None:
    results = match_statement(entries, ITEMS)
    check_invariants(entries, results)
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    again = match_statement(shuffled, list(reversed(ITEMS)))
    check_invariants(shuffled, again)
    assert summary(again) == summary(results)
