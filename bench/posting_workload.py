"""The posting workload every posting benchmark runs: the scenario's expected postings.

Each posting is what a person (or a bot) enters in the ERP's cash receipt form: first a
payment inquiry by bank reference (the idempotency check), then the receipt itself,
then the confirmation number is read back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx

from sandbox.scenario import STATEMENT_DATE, build_scenario

REPO = Path(__file__).resolve().parents[1]
APPS = ("sandbox_bank", "legacy_erp", "billing_portal")
ERP_USER, ERP_PASSWORD = "cashapp", "Erp#Sandbox-42"  # the sandbox's demo login


@dataclass(frozen=True)
class Row:
    invoice: str
    applied: Decimal
    diff: Decimal = Decimal("0")
    reason: str = "NONE"


@dataclass(frozen=True)
class Posting:
    customer_id: str
    value_date: dt.date
    bank_reference: str
    amount: Decimal
    rows: tuple[Row, ...]


def postings(extra_exact: int) -> list[Posting]:
    """Every expected posting of ``build_scenario(extra_exact)``, in statement order."""
    scenario = build_scenario(extra_exact)
    result = []
    for p in scenario.payments:
        if p.expected_posting is None:
            continue
        e = p.expected_posting
        diffs = {inv: (amt, "BANK_CHARGES") for inv, amt in e.write_offs}
        diffs |= {inv: (amt, "CASH_DISCOUNT") for inv, amt in e.discounts}
        rows = tuple(Row(inv, amt, *diffs.get(inv, (Decimal("0"), "NONE")))
                     for inv, amt in e.allocations)
        customer = scenario.invoice(e.allocations[0][0]).customer_id
        result.append(Posting(customer, STATEMENT_DATE, p.bank_reference, p.amount, rows))
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sandbox:
    """The three targets in their own process, without the ERP's artificial slowness."""

    def __init__(self, base_dir: Path, extra_exact: int, slow_ms: str = "0") -> None:
        self.ports = {app: free_port() for app in APPS}
        self.urls = {a: f"http://127.0.0.1:{p}" for a, p in self.ports.items()}
        self.extra_exact = extra_exact
        cmd = [sys.executable, "-m", "sandbox.launcher", "--base-dir", str(base_dir),
               "--extra-exact", str(extra_exact)]
        for app, port in self.ports.items():
            cmd += ["--port", f"{app}={port}"]
        # the mail server too on ports of its own (0: picked as it binds), never the fixed ones
        cmd += ["--port", f"sandbox_mail={free_port()}", "--port", "mail_smtp=0",
                "--port", "mail_imap=0"]
        env = {**os.environ, "FINBOTS_ERP_SLOW_MS": slow_ms, "FINBOTS_PORTAL_DELAY_MS": "0"}
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180  # a shared machine may be slow to seed
        while not self._healthy():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("sandbox did not start")
            time.sleep(0.1)

    def _healthy(self) -> bool:
        try:
            return all(httpx.get(f"{u}/_sandbox/health", timeout=1).status_code == 200
                       for u in self.urls.values())
        except httpx.HTTPError:
            return False

    @property
    def erp(self) -> str:
        return self.urls["legacy_erp"]

    def reset(self) -> None:
        for url in self.urls.values():
            httpx.post(f"{url}/_sandbox/reset", json={"extra_exact": self.extra_exact},
                       timeout=60).raise_for_status()

    def erp_postings(self) -> list[dict]:
        return list(httpx.get(f"{self.erp}/_sandbox/truth", timeout=60).json()["postings"])

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def run_alone(label: str, post_all: Callable[[str, list[Posting]], list[str]],
              argv: list[str] | None = None) -> None:
    """Run one posting variant on its own sandbox and print its rate (each variant's main)."""
    parser = argparse.ArgumentParser(description=f"{label}: the posting workload alone")
    parser.add_argument("--extra-exact", type=int, default=20)
    args = parser.parse_args(argv)
    work = postings(args.extra_exact)
    with tempfile.TemporaryDirectory(prefix=f"posting-{label}-") as tmp:
        sandbox = Sandbox(Path(tmp), args.extra_exact)
        try:
            start = time.perf_counter()
            confirmations = post_all(sandbox.erp, work)
            elapsed = time.perf_counter() - start
            posted = len(sandbox.erp_postings())
        finally:
            sandbox.close()
    if posted != len(work) or len(confirmations) != len(work):
        raise SystemExit(f"expected {len(work)} postings, ERP has {posted}, "
                         f"{len(confirmations)} confirmations")
    print(f"{label}: {len(work)} postings in {elapsed:.2f} s = "
          f"{len(work) / elapsed * 60:.0f} postings/min")
