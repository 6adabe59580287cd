"""Searching many garbled numbers of one customer at once finds what one by one finds.

A customer with thousands of invoices has its payments' queries scored together; each
query must get the same closest numbers, scores and order (ties in the order of the
customer's numbers) as the search of that query alone, whatever the batch looks like.
"""

from __future__ import annotations

import random

import pytest

from bots.cashapp.matching import fuzzy_search
from bots.cashapp.matching.fuzzy_search import closest, closest_all


def _numbers(rnd: random.Random) -> list[str]:
    # runs of consecutive numbers (many candidates one or two digits apart), a second
    # series, the same number twice (ties), prefix-less cores
    dense = [f"1NV2026{n:06d}" for n in range(3000)]
    sparse = [f"RE{rnd.randrange(10**8):08d}" for _ in range(1500)]
    cores = [k.lstrip("1NVRE") for k in dense[:500]]
    return dense + sparse + cores + dense[:40]


def _queries(rnd: random.Random, keys: list[str]) -> list[str]:
    found = []
    for _ in range(120):
        key = list(rnd.choice(keys))
        for _ in range(rnd.choice((1, 1, 2, 3))):
            at = rnd.randrange(len(key))
            edit = rnd.choice("sdi")
            if edit == "s":
                key[at] = rnd.choice("0123456789AX")
            elif edit == "d" and len(key) > 4:
                del key[at]
            else:
                key.insert(at, rnd.choice("0123456789"))
        found.append("".join(key))
    return sorted({*found, "2026", "1NV2026000123", "ZZZZZZZZ"})


@pytest.mark.parametrize("cutoff", [85.0, 70.0, 95.0])
def test_a_batch_finds_for_each_query_what_its_own_search_finds(
        monkeypatch: pytest.MonkeyPatch, cutoff: float) -> None:
    rnd = random.Random(int(cutoff))
    keys = _numbers(rnd)
    queries = _queries(rnd, keys)
    monkeypatch.setattr(fuzzy_search, "BATCH_PAIRS", 1)  # batched however small
    monkeypatch.setattr(fuzzy_search, "BATCH_CELLS", len(keys) * 7)  # several batches
    batched = closest_all(queries, keys, cutoff)
    assert batched == {q: closest(q, keys, cutoff) for q in queries}
    assert sum(1 for found in batched.values() if len(found) == 3) > 5
    ties = [f for f in batched.values() if len(f) > 1 and f[0][1] == f[1][1]]
    assert ties and all(f[0][2] < f[1][2] for f in ties)  # a tie in the numbers' order


def test_few_pairs_are_searched_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(fuzzy_search.process, "cdist",
                        lambda *a, **k: calls.append("cdist"))  # type: ignore[func-returns-value]
    keys = ["1NV2026000001", "1NV2026000002"]
    assert closest_all(["1NV2026000003"], keys, 85.0) == {
        "1NV2026000003": closest("1NV2026000003", keys, 85.0)}
    assert calls == []
