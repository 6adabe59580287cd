"""``finbots sandbox``: run, reset, inspect and check the sandbox targets.

A CLI plugin (the ``finbots.cli`` entry point ``sandbox``): the sandbox is a development
component, so the product never imports it.

``status``, ``reset``, ``faults``, ``truth`` and ``check`` talk to the targets at, in this
order: ``--bank URL`` / ``--erp URL`` / ``--portal URL`` / ``--mail URL``; the
``FINBOTS_<APP>_URL`` variables the selector files read (``FINBOTS_SANDBOX_BANK_URL``,
``FINBOTS_LEGACY_ERP_URL``, ``FINBOTS_BILLING_PORTAL_URL``, ``FINBOTS_SANDBOX_MAIL_URL``:
the mail server's control address); the fixed ports of ``finbots sandbox up``. A sandbox
started elsewhere (on free ports, by the tests and the benchmarks) is checked from the
command line that way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from sandbox.background import start_detached, stop_detached
from sandbox.launcher import OPTIONAL, SandboxConfig, health, mail_addresses, serve_forever

app = typer.Typer(no_args_is_help=True, help="Run and check the sandbox target systems.")

ALIASES = {"bank": "sandbox_bank", "erp": "legacy_erp", "portal": "billing_portal",
           "mail": "sandbox_mail", "crm": "service_desk"}
AppOption = Annotated[
    str | None,
    typer.Option("--app", help="bank | erp | portal | mail | crm (or the app id); default all")]
BaseDir = Annotated[Path | None, typer.Option(help="Directory of the databases, pid and log.")]


def _config(base_dir: Path | None = None) -> SandboxConfig:
    config = SandboxConfig()
    if base_dir is not None:
        config.base_dir = base_dir
    return config


def _url_option(app_id: str, flag: str) -> Any:
    variable = f"FINBOTS_{app_id.upper()}_URL"
    return typer.Option(flag, help=f"The {app_id} target's address (else ${variable}, else "
                        "the port of `finbots sandbox up`).", show_default=False)


BankUrl = Annotated[str | None, _url_option("sandbox_bank", "--bank")]
ErpUrl = Annotated[str | None, _url_option("legacy_erp", "--erp")]
PortalUrl = Annotated[str | None, _url_option("billing_portal", "--portal")]
MailUrl = Annotated[str | None, _url_option("sandbox_mail", "--mail")]


def _urls(bank: str | None = None, erp: str | None = None,
          portal: str | None = None, mail: str | None = None) -> dict[str, str]:
    """Each installed target's address: the option, else its environment variable, else
    the configured port."""
    given = {"sandbox_bank": bank, "legacy_erp": erp, "billing_portal": portal,
             "sandbox_mail": mail}
    urls = {}
    for app_id, default in _config().urls().items():
        url = given.get(app_id) or os.environ.get(f"FINBOTS_{app_id.upper()}_URL") or default
        if not url.startswith(("http://", "https://")):
            raise typer.BadParameter(f"the {app_id} address must start with http:// or "
                                     f"https://, not {url!r}")
        urls[app_id] = url.rstrip("/")
    return urls


def _targets(app_name: str | None, urls: dict[str, str]) -> dict[str, str]:
    if app_name is None:  # all: an optional target that is not running is left out
        return {a: u for a, u in urls.items() if a not in OPTIONAL or health(u) is not None}
    app_id = ALIASES.get(app_name, app_name)
    if app_id not in urls:
        raise typer.BadParameter(f"unknown app {app_name!r}; one of {', '.join(ALIASES)}")
    return {app_id: urls[app_id]}


def _call(method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    try:
        response = httpx.request(method, url, json=body, timeout=10)
        if response.status_code == 400:  # the target refused a value: say which
            typer.echo(f"{url}: {response.json().get('error', response.text)}", err=True)
            raise typer.Exit(2)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        typer.echo(f"{url}: {exc} (is the sandbox running? `finbots sandbox up`)", err=True)
        raise typer.Exit(2) from exc
    return response.json()


def _announce(urls: dict[str, str]) -> None:
    for app_id, url in urls.items():
        typer.echo(f"{app_id:<15} {url}")
    if "sandbox_mail" in urls:
        typer.echo(f"{'':<15} {mail_addresses(_config())}")
    typer.echo("Demo logins: sandbox.scenario.CREDENTIALS (sandbox/scenario.py); "
               "the bank asks a TOTP code from its seed; mail: sandbox/mail/accounts.py.")


@app.command()
def up(
    detach: Annotated[bool, typer.Option(help="Run in the background.")] = False,
    base_dir: BaseDir = None,
    extra_exact: Annotated[int, typer.Option(help="Extra exact payments to seed.")] = 0,
) -> None:
    """Start the bank, legacy ERP, billing portal and mail server (foreground unless
    --detach)."""
    config = _config(base_dir)
    if detach:
        pid = start_detached(config, extra_exact)
        typer.echo(f"sandbox running in the background (pid {pid}, log {config.log_file})")
        _announce(config.urls())
        return
    typer.echo("Serving the sandbox targets; Ctrl+C stops them.")
    serve_forever(config, extra_exact, announce=_announce)


@app.command()
def down(base_dir: BaseDir = None) -> None:
    """Stop a sandbox started with --detach."""
    config = _config(base_dir)
    typer.echo("stopped" if stop_detached(config) else f"not running ({config.pid_file})")


@app.command()
def status(bank: BankUrl = None, erp: ErpUrl = None, portal: PortalUrl = None,
           mail: MailUrl = None) -> None:
    """Whether each target answers, and its fault knobs."""
    down_count = 0
    for app_id, url in _urls(bank, erp, portal, mail).items():
        if health(url) is None:
            down_count += 1
            typer.echo(f"{app_id:<15} {url}  DOWN")
            continue
        knobs = httpx.get(f"{url}/_sandbox/faults", timeout=5).json()
        typer.echo(f"{app_id:<15} {url}  up  faults={json.dumps(knobs)}")
    raise typer.Exit(1 if down_count else 0)


@app.command()
def reset(
    extra_exact: Annotated[int, typer.Option(help="Extra exact payments to seed.")] = 0,
    app_name: AppOption = None,
    bank: BankUrl = None,
    erp: ErpUrl = None,
    portal: PortalUrl = None,
    mail: MailUrl = None,
) -> None:
    """Reseed the targets from the scenario (fault knobs are kept); the mail server empties
    every mailbox and seeds the finance INBOX again."""
    for app_id, url in _targets(app_name, _urls(bank, erp, portal, mail)).items():
        _call("POST", f"{url}/_sandbox/reset", {"extra_exact": extra_exact})
        typer.echo(f"{app_id}: reset")


@app.command()
def faults(
    latency_ms: Annotated[int | None, typer.Option(help="Delay before each answer.")] = None,
    page_delay: Annotated[str | None, typer.Option(
        help="Realistic page build time: LO-HI ms drawn per HTML page, e.g. 300-800; "
             "0 = off.")] = None,
    error_rate: Annotated[float | None, typer.Option(help="Share of 500/503 answers.")] = None,
    session_expiry: Annotated[
        int | None, typer.Option(help="Requests per session before it expires; 0 = off.")] = None,
    alt_layout: Annotated[
        bool | None, typer.Option("--alt-layout/--classic-layout", help="Page markup.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the error generator.")] = None,
    mail_outage: Annotated[float | None, typer.Option(
        help="Mail server: refuse SMTP and IMAP connections for this many seconds "
             "(0 ends an outage); only the mail target is told.")] = None,
    crm_locked: Annotated[str | None, typer.Option(
        help="Service desk: customer numbers (C1006,C2001) whose account is locked by "
             "another user, so every change to it is refused; '' unlocks all.")] = None,
    crm_note_limit: Annotated[int | None, typer.Option(
        help="Service desk: the longest note it takes (0: its own limit).")] = None,
    clear: Annotated[bool, typer.Option(help="Restore the defaults first.")] = False,
    app_name: AppOption = None,
    bank: BankUrl = None,
    erp: ErpUrl = None,
    portal: PortalUrl = None,
    mail: MailUrl = None,
) -> None:
    """Set fault knobs (only the options given change)."""
    body: dict[str, Any] = {"clear": clear} if clear else {}
    given = {"latency_ms": latency_ms, "page_delay_ms": page_delay, "error_rate": error_rate,
             "session_expiry_requests": session_expiry, "alt_layout": alt_layout, "seed": seed}
    body.update({k: v for k, v in given.items() if v is not None})
    targets = _targets(app_name, _urls(bank, erp, portal, mail))
    if mail_outage is not None:
        if "sandbox_mail" not in targets:
            raise typer.BadParameter("--mail-outage is a knob of the mail target (--app mail)")
        targets = {"sandbox_mail": targets["sandbox_mail"]} if not body else targets
    crm = {k: v for k, v in {"locked_accounts": crm_locked,
                             "max_note_chars": crm_note_limit}.items() if v is not None}
    if crm:
        if "service_desk" not in targets:
            raise typer.BadParameter("--crm-locked and --crm-note-limit are knobs of the "
                                     "service desk (--app crm)")
        targets = {"service_desk": targets["service_desk"]} if not body else targets
    for app_id, url in targets.items():
        extra = {"outage_s": mail_outage} if app_id == "sandbox_mail" and mail_outage is not None \
            else {}
        extra.update(crm if app_id == "service_desk" else {})
        knobs = _call("POST", f"{url}/_sandbox/faults", {**body, **extra})
        typer.echo(f"{app_id:<15} {json.dumps(knobs)}")


@app.command()
def truth(app_name: AppOption = None, bank: BankUrl = None, erp: ErpUrl = None,
          portal: PortalUrl = None, mail: MailUrl = None) -> None:
    """Print the ground truth of the targets as JSON."""
    data = {app_id: _call("GET", f"{url}/_sandbox/truth")
            for app_id, url in _targets(app_name, _urls(bank, erp, portal, mail)).items()}
    typer.echo(json.dumps(next(iter(data.values())) if app_name else data, indent=2))


@app.command()
def check(bank: BankUrl = None, erp: ErpUrl = None, portal: PortalUrl = None,
          mail: MailUrl = None) -> None:
    """Compare the targets with the scenario's expected outcome; exit 1 on differences.
    Prints the mail server's message counts first."""
    from sandbox.check import run_check
    from sandbox.mail.check import mail_counts

    urls = _urls(bank, erp, portal, mail)
    notes: list[str] = []
    try:
        differences = run_check(urls["sandbox_bank"], urls["legacy_erp"], urls["billing_portal"],
                                None, urls.get("sandbox_mail", ""), notes)
        if "sandbox_mail" in urls:
            for line in mail_counts(_call("GET", f"{urls['sandbox_mail']}/_sandbox/truth")):
                typer.echo(line)
    except (KeyError, httpx.HTTPError) as exc:
        typer.echo(f"cannot check: {exc} (is the sandbox running?)", err=True)
        raise typer.Exit(2) from exc
    for line in [*notes, *differences]:
        typer.echo(line)
    if differences:
        typer.echo(f"{len(differences)} difference(s)")
        raise typer.Exit(1)
    typer.echo("no differences")
