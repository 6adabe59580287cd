"""``finbots demo``: sandbox targets + orchestrator on SQLite + one payment-posting run."""

from __future__ import annotations

import datetime as dt
import shutil
from typing import Annotated

import typer

from bots.runtime.vault import Vault, ensure_key
from orchestrator.cli.run import print_outcome
from orchestrator.config import get_settings
from orchestrator.runner import run_bot
from sandbox.check import run_check
from sandbox.credentials import store_sandbox_credentials
from sandbox.launcher import SandboxConfig, ensure_running


def _archive_default_store() -> None:
    """The sandbox is reseeded, so the old default store's items no longer apply: move it."""
    settings = get_settings()
    if not settings.db_url.startswith("sqlite:///"):
        return
    db = settings.runs_dir / "finbots.db"
    if db.exists():
        archive = settings.runs_dir / "archive"
        archive.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        for suffix in ("", "-wal", "-shm"):
            part = db.with_name(db.name + suffix)
            if part.exists():
                shutil.move(part, archive / f"finbots-{stamp}.db{suffix}")
        typer.echo(f"previous store moved to {archive}/finbots-{stamp}.db")


def demo(
    fresh: Annotated[bool, typer.Option(help="Reseed the sandbox and start a new store.")] = True,
    fmt: Annotated[str, typer.Option("--format", help="Statement format to download.")] = "camt053",
) -> None:
    """Start the sandbox targets, run the payment-posting bot once, check the outcome."""
    ensure_key()
    config = SandboxConfig()
    urls = ensure_running(config)
    typer.echo("sandbox targets: " + ", ".join(f"{k} {v}" for k, v in urls.items()))
    if fresh:
        import httpx

        for url in urls.values():
            httpx.post(f"{url}/_sandbox/reset", timeout=30).raise_for_status()
        _archive_default_store()
    written = store_sandbox_credentials(Vault())
    if written:
        typer.echo("vault: stored sandbox credentials " + ", ".join(written))
    typer.echo("running payment-posting ...")
    outcome = run_bot("payment-posting", {"format": fmt})
    print_outcome(outcome)
    differences = run_check(urls["sandbox_bank"], urls["legacy_erp"], urls["billing_portal"])
    if differences:
        typer.secho(f"sandbox check: {len(differences)} difference(s)", fg="red")
        for line in differences:
            typer.echo(f"  - {line}")
    else:
        typer.secho("sandbox check: the targets hold exactly the expected postings and "
                    "statuses", fg="green")
    places = [(f"finbots runs show {outcome.run_id}", "the step timeline"),
              ("finbots exceptions", "the cases a person must clear"),
              (f"{outcome.run_dir}/", "bot.log, steps.jsonl, screenshots, downloads")]
    width = max(len(p) for p, _ in places) + 3
    typer.echo(
        "\nwhere to look:\n"
        + "".join(f"  {place.ljust(width)}{what}\n" for place, what in places) +
        f"  sandbox: {urls['legacy_erp']}/ar/login.do (ERP), {urls['billing_portal']} "
        f"(portal), {urls['sandbox_bank']} (bank); stop it with `finbots sandbox down`")
    if outcome.status != "successful" or differences:
        raise typer.Exit(1)
