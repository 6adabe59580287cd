"""No vault value anywhere: run folders, traces, logs, the database, the terminal output."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from sandbox.credentials import VAULT_ENTRIES
from sandbox.scenario import STATEMENT_DATE

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
DAY = ("--arg", f"date={STATEMENT_DATE.isoformat()}")  # the sandbox's statement day
SECRETS = [fields[k] for fields in VAULT_ENTRIES.values() for k in ("password", "totp_seed")
           if k in fields]


def _leaks(blob: bytes, where: str) -> list[str]:
    found = []
    for secret in SECRETS:
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            if form.encode() in blob:
                found.append(f"{where}: {form}")
    return found


def _scan(folder: Path) -> list[str]:
    leaks = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        leaks += _leaks(path.read_bytes(), str(path))
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    leaks += _leaks(archive.read(member), f"{path}!{member}")
    return leaks


def test_successful_and_failed_runs_leak_no_secret(home: Any, sandbox: Any) -> None:
    ok = home.finbots("run", "payment-posting", *DAY, "--arg", "receipt_screenshots=true")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    sandbox.faults("sandbox_bank", error_rate=1.0)  # the statement cannot be fetched
    failed = home.finbots("run", "payment-posting", *DAY)
    assert failed.returncode == 1

    assert list((home.runs / "2").glob("trace.zip")), "a failed run keeps its trace"
    assert list((home.runs / "1").rglob("*.png")), "checkpoint screenshots of the postings"
    leaks = _scan(home.runs)  # run folders, traces, logs and the SQLite store
    leaks += _leaks((ok.stdout + ok.stderr + failed.stdout + failed.stderr).encode(), "output")
    assert leaks == []
