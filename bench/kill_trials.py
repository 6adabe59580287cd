"""Random-kill trials: the payment-posting bot SIGKILLed at random moments, then rerun.

Against the sandbox on free ports (the ERP and portal without their artificial slowness),
each trial starts from a freshly reset sandbox and a fresh finbots home, then runs the bot
(intake and posting) as a real process and kills it (SIGKILL, with its browser) at a moment
drawn uniformly from the length of an undisturbed run. The next run recovers what the
killed one left and is killed in turn, up to ``--kills-per-trial`` times, until a run goes
to completion (one that ends before its kill moment, or the run after the last kill).
What the trial leaves behind is then counted:

- duplicates: ERP postings beyond the first of a bank reference;
- missing postings: payments the scenario expects posted that the ERP does not hold;
- lost cases: payments neither posted nor in the inbox (no open case), and failed items
  that no case holds;
- missing audit records: ERP postings without a ``payment.post`` audit record of their
  confirmation.

The exit status is 1 when any of the four is not zero.

Run: ``python -m bench.kill_trials --kills 100`` (``--seed`` to replay a series).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[1]
APPS = ("sandbox_bank", "legacy_erp", "billing_portal")
FAST = {"FINBOTS_ERP_SLOW_MS": "0", "FINBOTS_PORTAL_DELAY_MS": "0"}
DONE_CASES = ("resolved", "closed")


@dataclass
class Findings:
    """What a series of trials left wrong (each count should be zero)."""

    duplicates: int = 0
    missing_postings: int = 0
    lost_cases: int = 0
    missing_audit: int = 0
    check_differences: int = 0  # the sandbox check's own lines (the portal as well)
    notes: list[str] = field(default_factory=list)

    COUNTS = ("duplicates", "missing_postings", "lost_cases", "missing_audit")

    def add(self, other: Findings) -> None:
        for name in (*self.COUNTS, "check_differences"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.notes += other.notes

    @property
    def clean(self) -> bool:
        return all(getattr(self, name) == 0 for name in self.COUNTS)


@dataclass
class Tally:
    """How the trials went."""

    kills: int = 0
    finished_before_kill: int = 0  # trials whose last run ended before its kill moment
    trials: int = 0
    final_runs_failed: int = 0
    kill_moments: list[float] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)


class Trials:
    """Kill trials against the sandbox at ``urls`` (a running sandbox on any ports)."""

    def __init__(self, urls: dict[str, str], work_dir: Path, *, seed: int = 1,
                 span: tuple[float, float] | None = None, log: bool = False) -> None:
        """``span``: the seconds after a run's start its kill moment is drawn from
        (default: 0 to the length of an undisturbed run, measured by :meth:`calibrate`)."""
        self.urls, self.work_dir, self.log = urls, work_dir, log
        self.random = random.Random(seed)
        self.span = span or (0.0, 0.0)
        self.run_seconds = 0.0

    # -- one finbots home per trial ----------------------------------------------------
    def home(self, name: str) -> dict[str, str]:
        home = self.work_dir / name
        (home / "runs").mkdir(parents=True)
        env = {**os.environ, "FINBOTS_HOME": str(home),
               "FINBOTS_DB_URL": f"sqlite:///{home / 'runs' / 'finbots.db'}",
               "FINBOTS_MASTER_KEY": Fernet.generate_key().decode(),
               "FINBOTS_TIMEOUT_MS": "10000",
               **{f"FINBOTS_{app.upper()}_URL": url for app, url in self.urls.items()}}
        setup = ("from bots.runtime.vault import Vault;"
                 "from sandbox.credentials import store_sandbox_credentials as s;"
                 "s(Vault())")
        subprocess.run([sys.executable, "-c", setup], env=env, cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return env

    def reset_sandbox(self) -> None:
        for app in APPS:
            for path, body in (("/_sandbox/faults", {"clear": True}), ("/_sandbox/reset", {})):
                httpx.post(f"{self.urls[app]}{path}", json=body, timeout=60).raise_for_status()

    def spawn(self, env: dict[str, str], log_name: str) -> subprocess.Popen[bytes]:
        from sandbox.scenario import STATEMENT_DATE

        log_file = Path(env["FINBOTS_HOME"]) / log_name
        with log_file.open("wb") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "orchestrator.cli", "run", "payment-posting",
                 "--arg", f"date={STATEMENT_DATE.isoformat()}"],
                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)  # its own process group: the bot and its browser

    # -- the trials --------------------------------------------------------------------
    def calibrate(self) -> float:
        """The seconds of one undisturbed run (the span kill moments are drawn from); that
        run's outcome is checked like a trial's."""
        self.reset_sandbox()
        env = self.home("calibration")
        started = time.monotonic()
        proc = self.spawn(env, "run-0.log")
        if proc.wait() != 0:
            raise RuntimeError(f"an undisturbed run failed: see {env['FINBOTS_HOME']}")
        self.run_seconds = time.monotonic() - started
        self.span = (0.0, self.run_seconds)
        findings = self.evaluate(env)
        if not findings.clean:
            raise RuntimeError(f"an undisturbed run is not clean: {findings.notes}")
        return self.run_seconds

    def trial(self, number: int, kills: int, tally: Tally) -> dict[str, str]:
        """Up to ``kills`` SIGKILLs at random moments, each run recovering the one before,
        until a run goes to completion (one that ends before its kill moment, or the run
        after the last kill); the outcome is added to ``tally``. Returns the trial's
        environment (its finbots home)."""
        self.reset_sandbox()
        env = self.home(f"trial-{number:03d}")
        killed = attempts = 0
        while True:
            attempts += 1
            proc = self.spawn(env, f"run-{attempts}.log")
            if killed == kills:
                returncode = proc.wait()
                break
            moment = self.random.uniform(*self.span)
            try:
                returncode = proc.wait(timeout=moment)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                killed += 1
                tally.kill_moments.append(moment)
                continue
            tally.finished_before_kill += 1  # it ran to completion: the trial is over
            break
        if returncode != 0:
            tally.final_runs_failed += 1
        tally.kills += killed
        tally.trials += 1
        findings = self.evaluate(env)
        findings.notes = [f"trial {number}: {note}" for note in findings.notes]
        tally.findings.add(findings)
        if self.log:
            state = "clean" if findings.clean else "; ".join(findings.notes)
            print(f"trial {number:3d}: {killed} kill(s), {tally.kills} so far: {state}",
                  flush=True)
        return env

    # -- what a trial left behind ------------------------------------------------------
    def evaluate(self, env: dict[str, str]) -> Findings:
        from orchestrator.store import Store
        from sandbox.check import run_check
        from sandbox.scenario import build_scenario

        erp = httpx.get(f"{self.urls['legacy_erp']}/_sandbox/truth", timeout=60).json()
        postings = list(erp["postings"])
        scenario = build_scenario(extra_exact=int(erp.get("extra_exact") or 0))
        store = Store(env["FINBOTS_DB_URL"], create=False)
        try:
            cases = store.list_cases()
            items = store.list_items()
            audited = {str(r.details.get("confirmation"))
                       for r in store.list_audit(limit=1_000_000, action="payment.post")}
        finally:
            store.close()
        found = Findings()
        per_reference = Counter(p["bank_reference"] for p in postings)
        for reference, count in per_reference.items():
            if count > 1:
                found.duplicates += count - 1
                found.notes.append(f"{reference} posted {count} times")
        in_inbox = {c.reference for c in cases if c.status not in DONE_CASES}
        lost: set[str] = set()
        for payment in scenario.payments:
            ref = payment.bank_reference
            if payment.expected_posting is not None and ref not in per_reference:
                found.missing_postings += 1
                found.notes.append(f"{ref} expected posted, not in the ERP")
            wanted = payment.expected_posting is not None or payment.expected_reason
            if wanted and ref not in per_reference and ref not in in_inbox:
                lost.add(ref)
        with_case = {c.work_item_id for c in cases} | {c.reference for c in cases}
        for item in items:
            if item.state in ("failed", "abandoned") and not (
                    item.id in with_case or item.reference in with_case):
                lost.add(item.reference)
        found.lost_cases = len(lost)
        found.notes += [f"{ref} neither posted nor in the inbox" for ref in sorted(lost)]
        for posting in postings:
            if str(posting["confirmation"]) not in audited:
                found.missing_audit += 1
                found.notes.append(f"{posting['bank_reference']} posted as "
                                   f"{posting['confirmation']} without its audit record")
        differences = run_check(self.urls["sandbox_bank"], self.urls["legacy_erp"],
                                self.urls["billing_portal"], scenario)
        found.check_differences = len(differences)
        found.notes += [f"check: {line}" for line in differences]
        return found


def run_trials(urls: dict[str, str], kills: int, *, kills_per_trial: int = 1, seed: int = 1,
               work_dir: Path, log: bool = False) -> Tally:
    """At least ``kills`` SIGKILLs, ``kills_per_trial`` per trial, against the sandbox."""
    trials = Trials(urls, work_dir, seed=seed, log=log)
    trials.calibrate()
    if log:
        print(f"an undisturbed run takes {trials.run_seconds:.1f} s: kill moments are drawn "
              f"from 0 to that", flush=True)
    tally = Tally()
    number = 0
    while tally.kills < kills:
        number += 1
        trials.trial(number, min(kills_per_trial, kills - tally.kills), tally)
    return tally


@contextlib.contextmanager
def fast_sandbox(base_dir: Path) -> Iterator[dict[str, str]]:
    """The sandbox on free ports, without the ERP's and portal's artificial slowness."""
    from sandbox.background import running_on_free_ports

    with running_on_free_ports(base_dir, FAST) as urls:
        yield urls


def report(tally: Tally, seconds: float) -> str:
    f = tally.findings
    moments = sorted(tally.kill_moments)
    spread = (f"kill moments {moments[0]:.1f}-{moments[-1]:.1f} s after start, median "
              f"{moments[len(moments) // 2]:.1f} s" if moments else "no kill")
    lines = [
        f"{tally.kills} SIGKILLs in {tally.trials} trials ({spread}); "
        f"{tally.finished_before_kill} trial(s) ended by a run done before its kill moment; "
        f"{seconds:.0f} s in all",
        f"duplicates {f.duplicates}, missing postings {f.missing_postings}, lost cases "
        f"{f.lost_cases}, missing audit records {f.missing_audit}",
        f"final reruns that failed {tally.final_runs_failed}, sandbox check differences "
        f"{f.check_differences}",
        *f.notes,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=100, help="SIGKILLs in all (100)")
    parser.add_argument("--kills-per-trial", type=int, default=1,
                        help="kills before a trial's run to completion (1)")
    parser.add_argument("--seed", type=int, default=1, help="of the kill moments (1)")
    parser.add_argument("--quiet", action="store_true", help="no line per trial")
    args = parser.parse_args(argv)
    if args.kills < 1 or args.kills_per_trial < 1:
        parser.error("--kills and --kills-per-trial must be at least 1")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kill-trials-") as tmp, \
            fast_sandbox(Path(tmp) / "sandbox") as urls:
        tally = run_trials(urls, args.kills, kills_per_trial=args.kills_per_trial,
                           seed=args.seed, work_dir=Path(tmp), log=not args.quiet)
    print(report(tally, time.monotonic() - started))
    return 0 if tally.findings.clean else 1


if __name__ == "__main__":
    sys.exit(main())
