"""Payments posted per minute on the sandbox ERP: the finbots bot next to the alternatives.

Variants, each over the same postings (the scenario's expected postings plus N bulk exact
payments), each on a freshly reset sandbox, each checked for exactly one posting per
payment:

- finbots bot (steps recorded, each receipt's page text, idempotency checks), 1/2/4 robots
- the bot keeping a screenshot of each receipt too (``receipt_screenshots=true``)
- bare Playwright script (same steps, no recording): the recording overhead
- the bare script keeping a screenshot of each receipt (taken by hand): the anchor of the
  bot with receipt screenshots
- rpaframework's Selenium library with Debian's chromedriver
- plain HTTP form posts (no browser): the limit

Run: ``python -m bench.bench_posting --extra-exact 40 --repeat 3``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

from bench.posting_workload import REPO, Posting, Sandbox, postings


def _home_env(home: Path, sandbox: Sandbox) -> dict[str, str]:
    return {**os.environ, "FINBOTS_HOME": str(home),
            "FINBOTS_DB_URL": f"sqlite:///{home / 'data' / 'finbots.db'}",
            "FINBOTS_MASTER_KEY": Fernet.generate_key().decode(),
            **{f"FINBOTS_{a.upper()}_URL": u for a, u in sandbox.urls.items()}}


def _finbots(env: dict[str, str], *args: str, repo: Path = REPO) -> subprocess.Popen[bytes]:
    """``finbots ARGS`` (the code of checkout ``repo``) in the background; its output goes
    to ``<home>/finbots-N.log``."""
    home = Path(env["FINBOTS_HOME"])
    log = home / f"finbots-{len(list(home.glob('finbots-*.log')))}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "orchestrator.cli", *args], cwd=repo,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    proc.log = log  # type: ignore[attr-defined]
    return proc


def _failed(what: str, proc: subprocess.Popen[bytes]) -> RuntimeError:
    """An error naming ``what`` failed, with the end of its output."""
    tail = proc.log.read_text(errors="replace")[-2000:]  # type: ignore[attr-defined]
    return RuntimeError(f"{what} failed (exit {proc.returncode}):\n{tail}")


def bot_run(sandbox: Sandbox, robots: int, *extra: str, repo: Path = REPO,
            split: list[tuple[float, float, float]] | None = None) -> float:
    """Seconds from the first robot's start to the last one's end (from the store);
    ``repo``: the checkout whose bot runs (another commit's, to compare); ``split``: gets
    the seconds of the items that posted and of those that became exceptions."""
    from orchestrator.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / "runs").mkdir()
        env = _home_env(home, sandbox)
        setup = ("from bots.runtime.vault import Vault;"
                 "from sandbox.credentials import store_sandbox_credentials as s;"
                 "s(Vault())")
        subprocess.run([sys.executable, "-c", setup], env=env, cwd=REPO, check=True)
        from sandbox.scenario import STATEMENT_DATE

        intake = _finbots(env, "run", "payment-posting", "--arg", "phase=intake",
                          "--arg", f"date={STATEMENT_DATE.isoformat()}", repo=repo)
        if intake.wait() != 0:
            raise _failed("intake", intake)
        procs = [_finbots(env, "run", "payment-posting", "--arg", "phase=post",
                          "--arg", "update_portal=false", *extra, repo=repo)
                 for _ in range(robots)]
        for proc in procs:
            if proc.wait() != 0:
                raise _failed("a posting robot", proc)
        runs = Store(env["FINBOTS_DB_URL"]).list_runs()
        posting = [r for r in runs if r.args.get("phase") == "post"]
        start = min(r.started_at for r in posting)
        end = max(r.finished_at for r in posting if r.finished_at)
        if split is not None:
            split.append(_item_seconds(home / "runs", [r.id for r in posting]))
        return (end - start).total_seconds()


def _item_seconds(runs_dir: Path, run_ids: list[int]) -> tuple[float, float, float]:
    """Seconds from the runs' step records: (the items that posted, the items that became
    exceptions, the sign-ons). Only the first is work the bare script's posting loop does
    too: a sign-on (the ERP's form, done inside the first item that needs the ERP) is
    taken out of its item's time, as the bare loop starts signed on."""
    posted = exceptions = sign_ons = 0.0
    for run_id in run_ids:
        inside = 0.0  # sign-ons recorded since the last item (an item's steps come first)
        with (runs_dir / str(run_id) / "steps.jsonl").open() as steps:
            for line in steps:
                step = json.loads(line)
                seconds = (step["duration_ms"] or 0) / 1000
                if step["action"] == "sign_on":
                    inside += seconds
                    sign_ons += seconds
                elif step["action"] == "transaction":
                    if step["outcome"] == "ok":
                        posted += seconds - inside
                    else:
                        exceptions += seconds - inside
                    inside = 0.0
    return posted, exceptions, sign_ons


def timed(fn: Callable[[str, list[Posting]], object], sandbox: Sandbox,
          items: list[Posting]) -> float:
    started = time.perf_counter()
    fn(sandbox.erp, items)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extra-exact", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", action="append", default=[],
                        help="variant to leave out (selenium, http, robots, bot-shots, "
                        "bare-shots)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout (e.g. a git worktree of an earlier commit) "
                        "whose bot runs in the same rounds, for a before/after comparison")
    args = parser.parse_args()
    items = postings(args.extra_exact)
    variants: dict[str, Callable[[Sandbox], float]] = {}
    from bench import posting_playwright

    loops: list[float] = []
    variants["bare Playwright script"] = lambda sb: timed(
        lambda url, work: posting_playwright.post_all(url, work, loop_seconds=loops), sb, items)
    if "bare-shots" not in args.skip:
        def bare_with_shots(sb: Sandbox) -> float:
            with tempfile.TemporaryDirectory() as shots:
                return timed(lambda url, work: posting_playwright.post_all(
                    url, work, Path(shots)), sb, items)
        variants["  with receipt shots"] = bare_with_shots
    split: list[tuple[float, float, float]] = []
    variants["finbots bot, 1 robot"] = lambda sb: bot_run(sb, 1, split=split)
    if args.baseline is not None:
        base_repo = args.baseline.resolve()
        variants["finbots bot, baseline"] = lambda sb: bot_run(sb, 1, repo=base_repo)
    if "bot-shots" not in args.skip:
        variants["  with receipt screenshots"] = lambda sb: bot_run(
            sb, 1, "--arg", "receipt_screenshots=true")
    if "selenium" not in args.skip:
        from bench import posting_selenium

        variants["rpaframework Selenium"] = lambda sb: timed(posting_selenium.post_all, sb, items)
    if "http" not in args.skip:
        from bench import posting_http

        variants["plain HTTP form posts"] = lambda sb: timed(posting_http.post_all, sb, items)
    if "robots" not in args.skip:
        variants["finbots bot, 2 robots"] = lambda sb: bot_run(sb, 2)
        variants["finbots bot, 4 robots"] = lambda sb: bot_run(sb, 4)
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = Sandbox(Path(tmp), args.extra_exact)
        try:
            for _ in range(args.repeat):
                for name, run in variants.items():
                    sandbox.reset()
                    seconds[name].append(run(sandbox))
                    done = sandbox.erp_postings()
                    refs = [p["bank_reference"] for p in done]
                    assert len(refs) == len(items) == len(set(refs)), (name, len(refs))
                    print(f"  {name.strip():<26}{seconds[name][-1]:7.1f} s", file=sys.stderr)
        finally:
            sandbox.close()
    base = statistics.median(seconds["bare Playwright script"])
    print(f"{len(items)} postings per run, {args.repeat} runs each, median; "
          f"{os.cpu_count()} cores")
    print(f"{'variant':<26}{'seconds':>9}{'per min':>9}{'time vs bare':>14}")
    for name, values in seconds.items():
        med = statistics.median(values)
        print(f"{name:<26}{med:>9.1f}{len(items) / med * 60:>9.0f}{med / base:>13.2f}x")
    if split:
        loop = statistics.median(loops)
        print(f"bare script's posting loop alone (no browser start, no sign-on): {loop:.1f} s")
        posted = statistics.median(p for p, _, _ in split)
        exceptions = statistics.median(e for _, e, _ in split)
        sign_on = statistics.median(s for _, _, s in split)
        rest = statistics.median(seconds["finbots bot, 1 robot"]) - posted - exceptions - sign_on
        print(f"finbots, the {len(items)} items that posted (without the sign-on): "
              f"{posted:.1f} s ({posted / loop:.2f}x the bare script's loop); the items that "
              f"became exceptions: {exceptions:.1f} s; the sign-on {sign_on:.1f} s; the rest of "
              f"the run (browser, queue): {rest:.1f} s")


if __name__ == "__main__":
    main()
