"""``finbots demo``: sandbox targets + orchestrator on SQLite + one payment-posting run.

A CLI plugin (the ``finbots.cli`` entry point ``demo``) of the sandbox component.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sys
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from bots.payment_posting.refresh import REFRESH_QUEUE
from bots.runtime.browser import shutdown_browser
from bots.runtime.errors import DuplicateError
from bots.runtime.vault import Vault, ensure_key
from orchestrator.auth import service as accounts
from orchestrator.auth.passwords import generate_password
from orchestrator.cli.db import require_current_schema
from orchestrator.cli.run import print_outcome
from orchestrator.cli.users import bootstrap_admin
from orchestrator.config import get_settings
from orchestrator.roles import Role
from orchestrator.runner import run_bot
from orchestrator.scheduler import schedules as scheduling
from orchestrator.store import Store
from orchestrator.store.audit_anchor import database_id, forget_checkpoint
from orchestrator.store.audit_key import load_audit_key
from sandbox.check import run_check
from sandbox.credentials import store_sandbox_credentials
from sandbox.launcher import SandboxConfig, ensure_running
from sandbox.scenario import STATEMENT_DATE


def _archive_default_store() -> None:
    """The sandbox is reseeded, so the old default store's items no longer apply: move it."""
    settings = get_settings()
    if not settings.db_url.startswith("sqlite:///"):
        return
    db = settings.default_db
    if db.exists():
        archive = db.parent / "archive"
        archive.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        for suffix in ("", "-wal", "-shm"):
            part = db.with_name(db.name + suffix)
            if part.exists():
                shutil.move(part, archive / f"finbots-{stamp}.db{suffix}")
        typer.echo(f"previous store moved to {archive}/finbots-{stamp}.db")
        # the new store at the same path starts a new audit trail: its head is not the old one's
        db_id = database_id(make_url(settings.db_url))
        if db_id is not None:
            forget_checkpoint(db_id, load_audit_key())


#: People of the demo besides ``admin``: one who clears cases, a collector (named as the
#: ERP names the customers' collector: her worklist is theirs), one who approves, a credit
#: analyst, a credit manager, and a customer-service person who reads customers' status.
DEMO_PEOPLE = (("fiona", Role.FINANCE_REVIEWER, "Fiona (finance)"),
               ("maria", Role.FINANCE_REVIEWER, "Maria Weber"),
               ("arthur", Role.APPROVER, "Arthur (approver)"),
               ("carl", Role.CREDIT_ANALYST, "Carl (credit analyst)"),
               ("vera", Role.CREDIT_MANAGER, "Vera (credit manager)"),
               ("sam", Role.CUSTOMER_SERVICE, "Sam (customer service)"))


def _demo_people(store: Store) -> list[tuple[str, str, str]]:
    """The first admin and the demo people, with passwords shown this once."""
    made: list[tuple[str, str, str]] = []
    admin_password = bootstrap_admin(store)
    if admin_password:
        made.append(("admin", Role.ADMIN.value, admin_password))
    for username, role, display in DEMO_PEOPLE:
        password = generate_password()
        try:
            accounts.add_user(store, username, password, [role.value], display_name=display)
        except DuplicateError:
            continue
        store.record_audit("demo", "user.add", f"user:{username}", {"roles": [role.value]})
        made.append((username, role.value, password))
    return made


def _demo_schedule(store: Store) -> None:
    """Working-day morning runs, and queue triggers: what a person applies gets posted, a
    case a person opens gets its candidates read again from the ERP, what a collector asks
    for on the worklist and a credit decision are carried out."""
    scheduling.set_calendar(store, "TARGET2", [5, 6], {"2026-12-25": "Christmas Day",
                                                       "2026-12-26": "Boxing Day",
                                                       "2027-01-01": "New Year's Day"})
    with contextlib.suppress(DuplicateError):
        scheduling.add_schedule(store, "morning-statements", "payment-posting", "cron",
                                {"cron": "0 7 * * 1-5"}, timezone="Europe/Berlin",
                                calendar="TARGET2", day_rule="business_days",
                                args={"date": STATEMENT_DATE.isoformat()},  # the sandbox's day
                                created_by="demo")
    with contextlib.suppress(DuplicateError):
        scheduling.add_schedule(store, "post-new-items", "payment-posting", "queue",
                                {"queue": "payment-posting", "max_concurrent": 1},
                                args={"phase": "post"}, created_by="demo")
    with contextlib.suppress(DuplicateError):  # a case opened: its candidates read again
        scheduling.add_schedule(store, "read-opened-cases", "payment-posting", "queue",
                                {"queue": REFRESH_QUEUE, "max_concurrent": 1},
                                args={"phase": "refresh"}, created_by="demo")
    day = STATEMENT_DATE.isoformat()
    mornings = (("morning-replies", "0 8 * * 1-5", "collections", {"phase": "replies"}),
                ("morning-dunning", "30 8 * * 1-5", "collections", {"phase": "dunning"}),
                ("morning-credit", "0 9 * * 1-5", "credit", {}),
                ("morning-billing", "30 9 * * 1-5", "billing-validation", {"phase": "validate"}),
                ("weekly-leakage", "0 10 * * 1", "billing-validation", {"phase": "leakage"}),
                ("morning-disputes", "15 7 * * 1-5", "disputes", {}),
                ("morning-refunds", "45 9 * * 1-5", "refunds", {"date": day}),
                ("service-desk-sync", "*/10 7-19 * * 1-5", "crm-sync", {}))
    for name, cron, bot, args in mornings:  # after the statements: money first, then dunning
        with contextlib.suppress(DuplicateError):
            scheduling.add_schedule(store, name, bot, "cron", {"cron": cron},
                                    timezone="Europe/Berlin", calendar="TARGET2",
                                    day_rule="business_days",
                                    args={**args, **({"as_of": day} if bot == "collections"
                                                     else {})}, created_by="demo")
    triggers = (("worklist-requests", "collections", "collections-actions", {"phase": "requests"}),
                ("credit-decisions", "credit", "credit-review", {"review_held": False}),
                ("billing-decisions", "billing-validation", "billing-drafts",
                 {"phase": "carry_out"}),
                ("dispute-decisions", "disputes", "dispute-claims", {"phase": "carry_out"}),
                ("refund-decisions", "refunds", "refund-requests",
                 {"queue_new": False, "date": day}),
                ("service-desk-retries", "crm-sync", "crm-updates", {"read_events": False}))
    for name, bot, queue, args in triggers:  # what a person decided, carried out
        with contextlib.suppress(DuplicateError):
            scheduling.add_schedule(store, name, bot, "queue",
                                    {"queue": queue, "max_concurrent": 1}, args=args,
                                    created_by="demo")


def _demo_runs(fmt: str) -> list[tuple[str, dict[str, str]]]:
    """The day's runs, in the order a finance team has them: cash applied first (so that no
    customer whose money arrived is reminded), then the customers' replies read, the
    reminders sent, the orders on credit hold reviewed, the day's draft invoices checked
    before they go out (and the revenue-leakage report), the customers' disputes taken in
    (portal, mail and the short payments cash application found), the credit balances
    refunded, and last the service desk brought up to date with every finance event of the
    day."""
    day = STATEMENT_DATE.isoformat()
    return [("payment-posting", {"format": fmt, "date": day}),
            ("collections", {"phase": "replies", "as_of": day}),
            ("collections", {"phase": "dunning", "as_of": day}),
            ("credit", {}),
            ("billing-validation", {"phase": "validate"}),
            ("billing-validation", {"phase": "leakage"}),
            ("disputes", {}),
            ("refunds", {"date": day}),
            ("crm-sync", {})]


def demo(
    fresh: Annotated[bool, typer.Option(help="Reseed the sandbox and start a new store.")] = True,
    fmt: Annotated[str, typer.Option("--format", help="Statement format to download.")] = "camt053",
    serve: Annotated[bool, typer.Option(
        help="Afterwards serve the web UI, scheduler and a robot until Ctrl-C.")] = True,
    port: Annotated[int, typer.Option(help="Port of the web UI.")] = 8000,
) -> None:
    """Start the sandbox targets, run the payment-posting bot once, check the outcome, then
    serve the orchestrator (web UI, API, scheduler, one robot) on the same store."""
    ensure_key()
    if not (fresh and get_settings().db_url.startswith("sqlite:///")):
        require_current_schema()  # a store kept from before must be upgraded first
    config = SandboxConfig()
    urls = ensure_running(config)
    typer.echo("sandbox targets: " + ", ".join(f"{k} {v}" for k, v in urls.items()))
    if fresh:
        import httpx

        for url in urls.values():
            httpx.post(f"{url}/_sandbox/reset", timeout=30).raise_for_status()
        _archive_default_store()
        require_current_schema()
    written = store_sandbox_credentials(Vault())
    if written:
        typer.echo("vault: stored sandbox credentials " + ", ".join(written))
    outcomes = []
    for bot, args in _demo_runs(fmt):
        typer.echo(f"running {bot} {' '.join(f'{k}={v}' for k, v in args.items())} ...")
        outcomes.append(run_bot(bot, args))
        print_outcome(outcomes[-1])
    outcome = outcomes[0]  # the payment-posting run: the one the pointers below name
    differences = run_check(urls["sandbox_bank"], urls["legacy_erp"], urls["billing_portal"],
                            mail_url=urls.get("sandbox_mail", ""))
    if differences:
        typer.secho(f"sandbox check: {len(differences)} difference(s)", fg="red")
        for line in differences:
            typer.echo(f"  - {line}")
    else:
        typer.secho("sandbox check: the targets hold exactly the expected postings, statuses, "
                    "reminders, credit decisions, invoice releases, disputes and refunds",
                    fg="green")
    places = [(f"finbots runs show {outcome.run_id}", "the step timeline"),
              ("finbots exceptions", "the cases a person must clear"),
              (f"{outcome.run_dir}/", "bot.log, steps.jsonl, screenshots, downloads")]
    width = max(len(p) for p, _ in places) + 3
    typer.echo(
        "\nwhere to look:\n"
        + "".join(f"  {place.ljust(width)}{what}\n" for place, what in places) +
        f"  sandbox: {urls['legacy_erp']}/ar/login.do (ERP), {urls['billing_portal']} "
        f"(portal), {urls['sandbox_bank']} (bank)"
        + (f", {urls['service_desk']}/crm/login (service desk)" if "service_desk" in urls else "")
        + "; stop it with `finbots sandbox down`")
    failed = any(o.status != "successful" for o in outcomes) or bool(differences)
    store = Store.from_settings()
    people = _demo_people(store)
    _demo_schedule(store)
    if people:
        typer.echo("\nsign-in (passwords shown only this once):")
        for username, role, password in people:
            typer.echo(f"  {username:<8} {role:<17} {password}")
    if not serve:
        if failed:
            raise typer.Exit(1)
        return
    typer.echo(f"\nweb UI: http://127.0.0.1:{port}/  (inbox: /inbox, runs: /runs/{outcome.run_id});"
               " Ctrl-C stops it")
    # a clean process for the server: this one has run a browser bot (Playwright's event loop)
    shutdown_browser()
    sys.stdout.flush()
    argv = [sys.executable, "-m", "orchestrator.cli", "serve", "--robots", "1",
            "--port", str(port), "--stop-grace", "10"]
    os.execv(sys.executable, argv)  # noqa: S606  (our own interpreter, fixed arguments)
