"""Payments posted per minute as browser contexts are added: finbots next to the bare script.

The workload is bench_posting's (the scenario's expected postings plus N bulk exact
payments, each checked for exactly one posting per payment in the ERP). finbots runs it
with 1, 2, 4 and 8 robots sharing the work queue, each robot its own process with its own
browser context; the anchor is the bare Playwright script (one context, no recording),
measured in the same run on the same sandbox.

Two cases, each its own table:

- slow target (default ``--page-delay 300-800``): the ERP takes 300-800 ms to build each
  page, as real ERPs do (the sandbox's ``page_delay_ms`` knob). A robot spends most of its
  time waiting, so robots added in parallel add throughput until the machine's cores are
  busy;
- CPU-bound (``page_delay_ms`` off, the sandbox answers at once): every robot and its
  Chromium compete for the same cores; the table shows where that limit is.

Run: ``python -m bench.bench_throughput --extra-exact 20 --repeat 3``
(``--contexts 1,2,4,8``, ``--cases slow,cpu``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.bench_posting import bot_run
from bench.posting_workload import Posting, Sandbox, postings

BARE = "bare Playwright script"


def set_page_delay(sandbox: Sandbox, page_delay: str) -> None:
    """Every target of the sandbox builds each page in ``page_delay`` ms (``0``: at once)."""
    for url in sandbox.urls.values():
        httpx.post(f"{url}/_sandbox/faults", json={"page_delay_ms": page_delay},
                   timeout=10).raise_for_status()


def bare_run(sandbox: Sandbox, items: list[Posting]) -> float:
    from bench import posting_playwright

    started = time.perf_counter()
    posting_playwright.post_all(sandbox.erp, items)
    return time.perf_counter() - started


def measure(sandbox: Sandbox, items: list[Posting], contexts: list[int],
            repeat: int) -> dict[str, list[float]]:
    """Seconds per variant, ``repeat`` rounds, variants interleaved within each round."""
    variants: dict[str, Callable[[], float]] = {BARE: lambda: bare_run(sandbox, items)}
    for n in contexts:
        variants[f"finbots, {n} robot{'s' if n > 1 else ''}"] = (
            lambda n=n: bot_run(sandbox, n))  # type: ignore[misc]
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for round_no in range(1, repeat + 1):
        for name, run in variants.items():
            sandbox.reset()
            elapsed = run()
            refs = [p["bank_reference"] for p in sandbox.erp_postings()]
            if not len(refs) == len(items) == len(set(refs)):
                raise SystemExit(f"{name}: {len(refs)} postings for {len(items)} payments "
                                 f"({len(set(refs))} distinct)")
            seconds[name].append(elapsed)
            print(f"  round {round_no}: {name:<22} {elapsed:7.1f} s", file=sys.stderr)
    return seconds


def table(title: str, items: int, seconds: dict[str, list[float]]) -> str:
    base = items / statistics.median(seconds[BARE]) * 60
    lines = [title, f"{'variant':<24}{'contexts':>9}{'payments/min':>14}{'vs bare':>9}"]
    for name, values in seconds.items():
        per_min = items / statistics.median(values) * 60
        contexts = name.split(", ")[1].split()[0] if "," in name else "1"
        lines.append(f"{name:<24}{contexts:>9}{per_min:>14.1f}{per_min / base:>8.2f}x")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra-exact", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--contexts", default="1,2,4,8",
                        help="robots (browser contexts) to run side by side, comma-separated")
    parser.add_argument("--page-delay", default="300-800",
                        help="the slow case's page build time, LO-HI ms")
    parser.add_argument("--cases", default="slow,cpu", help="slow, cpu or both")
    args = parser.parse_args()
    items = postings(args.extra_exact)
    contexts = [int(n) for n in args.contexts.split(",") if n.strip()]
    cases = {"slow": args.page_delay, "cpu": "0"}
    wanted = [c.strip() for c in args.cases.split(",") if c.strip() in cases]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = Sandbox(Path(tmp), args.extra_exact)
        try:
            for case in wanted:
                set_page_delay(sandbox, cases[case])
                print(f"{case}: page_delay_ms={cases[case]}", file=sys.stderr)
                seconds = measure(sandbox, items, contexts, args.repeat)
                title = (f"slow target: each ERP page takes {cases[case]} ms"
                         if case == "slow" else "CPU-bound: the ERP answers at once")
                out.append(table(title, len(items), seconds))
        finally:
            sandbox.close()
    print(f"{len(items)} postings per run, median of {args.repeat} runs; "
          f"{os.cpu_count()} cores; payments/min = postings / (last robot's end - first "
          f"robot's start)")
    print("\n\n".join(out))


if __name__ == "__main__":
    main()
