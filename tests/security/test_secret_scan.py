"""A bot that fails with its password in exception messages and tracebacks leaves no vault
value anywhere: run folder, SQLite database (and WAL), logs, terminal output.

(Traces and screenshots of a browser run: tests/runtime/test_secrets_in_browser.py and
tests/e2e/test_secrets.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

from cryptography.fernet import Fernet

from bots.runtime.vault import Vault
from orchestrator.store import Store

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PASSWORD = "Leaky&Pass word/42"
SEED = "JBSWY3DPEHPK3PXPLEAKYSEEDQ"


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}


def _scan(root: Path, text: str) -> list[str]:
    leaks = []
    for path in [p for p in root.rglob("*") if p.is_file()]:
        if path.suffix in (".enc", ".key"):
            continue  # the vault itself
        data = path.read_bytes()
        leaks += [f"{path}: {f}" for s in (PASSWORD, SEED) for f in _forms(s)
                  if f.encode() in data]
    leaks += [f"output: {f}" for s in (PASSWORD, SEED) for f in _forms(s) if f in text]
    return leaks


def test_a_failing_leaky_bot_leaks_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "FINBOTS_HOME": str(tmp_path),
           "FINBOTS_DB_URL": f"sqlite:///{tmp_path / 'data' / 'finbots.db'}",
           "FINBOTS_MASTER_KEY": Fernet.generate_key().decode(),
           "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO)])}
    env.pop("FINBOTS_VAULT_PATH", None)
    env.pop("FINBOTS_RUNS_DIR", None)
    Vault(tmp_path / "credentials" / "vault.json.enc", env["FINBOTS_MASTER_KEY"]).set(
        "leaky/app", {"username": "leaky.bot", "password": PASSWORD, "totp_seed": SEED},
        bots=["leaky"])
    done = subprocess.run([sys.executable, "-m", "orchestrator.cli", "run", "leaky_bot:BOT"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert "giving up; seed ***" in output

    store = Store(env["FINBOTS_DB_URL"])
    run = store.list_runs()[0] if hasattr(store, "list_runs") else None
    cases = store.list_cases()
    store.close()
    assert {c.reason_code for c in cases} == {"BAD_DATA", "UNEXPECTED_ERROR"}
    assert any("wrong password ***" in (c.summary or "") for c in cases)
    log = next((tmp_path / "runs").rglob("bot.log")).read_text()
    assert "Traceback" in log and "refused password '***'" in log
    assert _scan(tmp_path, output) == [], "vault values leaked"
    assert run is None or run.status == "failed"
