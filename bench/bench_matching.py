"""Cash-application matching benchmark: rates against ground truth, time and peak memory.

    .venv/bin/python bench/bench_matching.py                      # 100,000 vs 1,000,000
    .venv/bin/python bench/bench_matching.py --entries 5000 --open-items 50000

Prints the automatic match rate and the precision of automatic postings next to a naive
baseline (exact RF or verbatim invoice number with the exact amount, first come first
served, which is what teams without tools do), exceptions by reason, and wall time and
peak RSS (``resource.getrusage``) for building the index and matching.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cashapp_generator import MonthEnd, Truth, generate
from bots.cashapp.identifiers import compact
from bots.cashapp.matching import MatchingConfig, OpenItemIndex, match_statement
from bots.cashapp.model import Allocation, Decision, MatchResult, StatementEntry


def naive(entries: list[StatementEntry], month: MonthEnd) -> list[tuple[Allocation, ...]]:
    """Exact RF or a verbatim invoice number, exact amount, each invoice once."""
    by_number = {i.invoice_number: i for i in month.open_items}
    by_rf = {compact(i.creditor_reference): i for i in month.open_items if i.creditor_reference}
    taken: set[str] = set()
    out: list[tuple[Allocation, ...]] = []
    for e in entries:
        hit = by_rf.get(compact(e.creditor_reference or "")) if e.is_credit else None
        if hit is None and e.is_credit:
            words = [by_number[w] for w in e.remittance_text.split() if w in by_number]
            hit = words[0] if len(words) == 1 else None
        if hit is None or hit.amount_open != e.amount or hit.invoice_number in taken:
            out.append(())
            continue
        taken.add(hit.invoice_number)
        out.append((Allocation(hit.invoice_number, e.amount),))
    return out


def _key(allocs: tuple[Allocation, ...]) -> frozenset[tuple[object, ...]]:
    return frozenset((a.invoice_number, a.amount, a.write_off, a.discount) for a in allocs)


def score(postings: list[tuple[Allocation, ...]], truths: list[Truth]) -> dict[str, float]:
    credits = [t for t in truths if t.case != "debit"]
    posted = [(p, t) for p, t in zip(postings, truths, strict=True) if p]
    right = sum(1 for p, t in posted if t.allocations and _key(p) == t.allocations)
    postable = sum(1 for t in credits if t.allocations)
    return {
        "credits": len(credits),
        "auto_posted": len(posted),
        "auto_rate": len(posted) / max(1, len(credits)),
        "of_postable": right / max(1, postable),
        "precision": right / max(1, len(posted)),
        "wrong": len(posted) - right,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--open-items", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    month = generate(args.entries, args.open_items, args.seed)
    t1, c1 = time.perf_counter(), time.process_time()
    config = MatchingConfig()
    index = OpenItemIndex(month.open_items, config)
    t2, c2 = time.perf_counter(), time.process_time()
    results: list[MatchResult] = match_statement(month.entries, index, config)
    t3, c3 = time.perf_counter(), time.process_time()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    truths = [month.truth[e.entry_id] for e in month.entries]
    ours = score([r.allocations if r.decision is Decision.POST else () for r in results], truths)
    base = score(naive(month.entries, month), truths)
    print(f"entries {len(month.entries):,}  open items {len(month.open_items):,}  "
          f"seed {args.seed}  (generated in {t1 - t0:.1f} s)")  # fmt: skip
    print("case mix: " + ", ".join(f"{k} {v}" for k, v in sorted(month.counts.items())))
    print(f"\n{'':32}{'finbots':>12}{'naive':>12}")
    for label, key, fmt in (
        ("credits", "credits", "{:,.0f}"),
        ("posted automatically", "auto_posted", "{:,.0f}"),
        ("automatic match rate", "auto_rate", "{:.1%}"),
        ("postable cases posted right", "of_postable", "{:.1%}"),
        ("precision of auto postings", "precision", "{:.3%}"),
        ("wrong postings", "wrong", "{:,.0f}"),
    ):
        print(f"{label:32}{fmt.format(ours[key]):>12}{fmt.format(base[key]):>12}")
    reasons = Counter(r.reason.value for r in results if r.reason)
    print("\nexceptions by reason (share of credits):")
    for reason, n in reasons.most_common():
        print(f"  {reason:18}{n:>8,}  {n / max(1, ours['credits']):6.1%}")
    expected = Counter(t.reason for t in truths if t.reason)
    hit = Counter(t.reason for t, r in zip(truths, results, strict=True)
                  if t.reason and r.reason and r.reason.value == t.reason)  # fmt: skip
    print("expected exceptions raised with the right reason: " + ", ".join(
        f"{k} {hit[k]}/{v}" for k, v in sorted(expected.items())))  # fmt: skip
    print(f"\nindex build {t2 - t1:.2f} s, matching {t3 - t2:.2f} s, "
          f"total {t3 - t1:.2f} s wall (target < 10 s), {c3 - c1:.2f} s CPU "
          f"(index {c2 - c1:.2f}, matching {c3 - c2:.2f});\n"
          f"peak RSS {peak_mib:,.0f} MiB (target < 2048 MiB, includes the generated data); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip


if __name__ == "__main__":
    main()
