"""Payments posted per minute on the ERP's desktop client, next to the browser bot on the
web ERP, for the same postings (the scenario's expected postings plus N bulk exact
payments), each run on a freshly reset sandbox and checked for exactly one posting per
payment.

Both variants are the finbots bot, 1 robot, ``phase=post`` after a web intake (the time
is the posting run's, from the store: it includes starting Chromium, or starting the
desktop client and signing on). Neither ERP is slowed down on purpose. The desktop
client runs on one Xvfb started here.

Run: ``python -m bench.bench_desktop --extra-exact 40 --repeat 3``
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.bench_posting import bot_run
from bench.posting_workload import Sandbox, postings
from bots.runtime.desktop import ensure_display


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extra-exact", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    items = postings(args.extra_exact)
    display = ensure_display()  # inherited by the bot processes and their desktop client
    os.environ["FINBOTS_DESKTOP_ERP_SLOW_MS"] = "0"
    variants: dict[str, Callable[[Sandbox], float]] = {
        "browser bot, web ERP": lambda sb: bot_run(sb, 1),
        "desktop bot, desktop client": lambda sb: bot_run(sb, 1, "--arg", "erp=desktop"),
        "  with receipt shots": lambda sb: bot_run(
            sb, 1, "--arg", "erp=desktop", "--arg", "receipt_screenshots=true"),
    }
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FINBOTS_SANDBOX_DIR"] = tmp  # where the desktop client finds erp.db
        sandbox = Sandbox(Path(tmp), args.extra_exact)
        try:
            for _ in range(args.repeat):
                for name, run in variants.items():
                    sandbox.reset()
                    seconds[name].append(run(sandbox))
                    refs = [p["bank_reference"] for p in sandbox.erp_postings()]
                    assert len(refs) == len(items) == len(set(refs)), (name, len(refs))
        finally:
            sandbox.close()
    base = statistics.median(seconds["browser bot, web ERP"])
    print(f"{len(items)} postings per run, {args.repeat} runs each, median; "
          f"{os.cpu_count()} cores; display {display}")
    print(f"{'variant':<30}{'seconds':>9}{'per min':>9}{'time vs web':>13}")
    for name, values in seconds.items():
        med = statistics.median(values)
        print(f"{name:<30}{med:>9.1f}{len(items) / med * 60:>9.0f}{med / base:>12.2f}x")


if __name__ == "__main__":
    main()
