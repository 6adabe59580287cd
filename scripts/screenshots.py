"""Screenshots of the web UI for the README: ``.venv/bin/python scripts/screenshots.py``.

Starts the sandbox targets and the orchestrator in a throw-away home, runs the
payment-posting bot once for real (the legacy ERP answers some requests with errors, so
the run has failed steps, retries and screenshots), adds two weeks of history for the
dashboard, signs in and saves 1280x800 PNGs to ``docs/screenshots/``: the inbox, a case,
the run (at its first failure when it has one) and the dashboard.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "web")]  # the web tests' seeding helpers

APPS = ("sandbox_bank", "legacy_erp", "billing_portal")
USER, PASSWORD = "admin", "Screenshots-admin-2024!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start ({url})")


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as fh:
        return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)


def prepare(home: Path, env: dict[str, str]) -> int:
    """Sandbox up, bot run once, history seeded; returns the real run's id."""
    ports = {app: free_port() for app in APPS}
    urls = {app: f"http://127.0.0.1:{port}" for app, port in ports.items()}
    env.update({f"FINBOTS_{app.upper()}_URL": url for app, url in urls.items()})
    cmd = [sys.executable, "-m", "sandbox.launcher", "--base-dir", str(home / "sandbox")]
    cmd += [arg for app, port in ports.items() for arg in ("--port", f"{app}={port}")]
    # the mail server on ports of its own (0: picked as it binds), never the fixed ones
    cmd += ["--port", f"sandbox_mail={free_port()}", "--port", "mail_smtp=0",
            "--port", "mail_imap=0"]
    procs.append(start(cmd, env, home / "sandbox.log"))
    for url in urls.values():
        wait_for(f"{url}/_sandbox/health", procs[-1], "the sandbox")
    httpx.post(f"{urls['legacy_erp']}/_sandbox/faults",
               json={"error_rate": 0.12, "seed": 7}, timeout=10).raise_for_status()
    os.environ.update(env)
    from bots.runtime.vault import Vault
    from sandbox.credentials import store_sandbox_credentials

    store_sandbox_credentials(Vault())
    print("running the payment-posting bot against the sandbox (about a minute) ...")
    from sandbox.scenario import STATEMENT_DATE

    done = subprocess.run([sys.executable, "-m", "orchestrator.cli", "run", "payment-posting",
                           "--arg", f"date={STATEMENT_DATE.isoformat()}", "--json"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=600)
    from webseed import seed_fleet

    from orchestrator.auth import service as accounts
    from orchestrator.store import Store

    store = Store(env["FINBOTS_DB_URL"])
    runs = store.list_runs(limit=1)
    if not runs:
        raise SystemExit(f"the bot did not run:\n{done.stdout}\n{done.stderr}")
    seed_fleet(store, bot="invoice-status", tag="H")
    accounts.add_user(store, USER, PASSWORD, ["admin"], display_name="Ada Admin")
    return runs[0].id or 0


def shoot(base_url: str, run_id: int, out: Path) -> list[Path]:
    from bots.runtime.browser import shared_browser, shutdown_browser
    from orchestrator.store import Store

    store = Store(os.environ["FINBOTS_DB_URL"])
    cases = store.list_cases(run_id=run_id) or store.list_cases()
    failed = [s.seq for s in store.list_steps(run_id) if s.outcome == "failed"]
    shots = [("dashboard.png", "/"), ("inbox.png", "/inbox"),
             ("run.png", f"/runs/{run_id}")]
    if failed:
        shots.append(("run-failure.png", f"/runs/{run_id}#step-{failed[0]}"))
    if cases:
        shots.insert(2, ("case.png", f"/cases/{cases[0].id}"))
    context = shared_browser().new_context(base_url=base_url,
                                           viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    saved = []
    out.mkdir(parents=True, exist_ok=True)
    for name, path in shots:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / name))
        saved.append(out / name)
    context.close()
    shutdown_browser()
    return saved


procs: list[subprocess.Popen[bytes]] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    ns = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="finbots-shots-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "FINBOTS_HOME": str(home),
               "FINBOTS_DB_URL": f"sqlite:///{home / 'data' / 'finbots.db'}",
               "FINBOTS_MASTER_KEY": Fernet.generate_key().decode(),
               "FINBOTS_ACTOR": "screenshots"}
        (home / "runs").mkdir()
        try:
            run_id = prepare(home, env)
            port = free_port()
            procs.append(start([sys.executable, "-m", "uvicorn", "--factory",
                                "orchestrator.app:create_app", "--port", str(port),
                                "--log-level", "warning"], env, home / "web.log"))
            wait_for(f"http://127.0.0.1:{port}/static/app.css", procs[-1], "the orchestrator")
            for path in shoot(f"http://127.0.0.1:{port}", run_id, ns.out):
                print(f"saved {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
        finally:
            for proc in reversed(procs):
                proc.terminate()
                proc.wait(timeout=15)


if __name__ == "__main__":
    main()
