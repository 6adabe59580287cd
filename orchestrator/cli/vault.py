"""``finbots vault``: manage the encrypted credentials vault.

``set`` / ``rotate`` / ``confirm`` / ``cancel`` / ``scope`` / ``delete`` change entries,
``list`` shows names, fields, scopes and versions, ``log`` the access log, ``rekey``
re-encrypts everything under a new master key. Values are read from a hidden prompt, from
stdin (``--from-stdin``) or from an environment variable (``--value-env``), never from an
argument (shell history), and are never printed. Every change is logged (access log and
audit trail) with the acting user.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from bots.runtime.errors import VaultError
from bots.runtime.vault import Vault, ensure_key
from orchestrator.cli.vault_admin import access_log, rekey
from orchestrator.store import Store, current_actor

app = typer.Typer(no_args_is_help=True)

BotsOpt = Annotated[list[str] | None, typer.Option(
    "--bot", help="A bot allowed to read the entry (repeatable; default: keep the scope).")]
StdinOpt = Annotated[bool, typer.Option("--from-stdin", help="Read the value from stdin.")]
EnvOpt = Annotated[str | None, typer.Option(
    "--value-env", metavar="VAR", help="Read the value from this environment variable.")]


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


def _log(name: str, action: str, version: int | None = None, **details: object) -> None:
    Store.from_settings().log_credential_access(name, action, current_actor(),
                                                version=version, details=dict(details))


def _read_value(name: str, field: str, from_stdin: bool, value_env: str | None) -> str:
    if from_stdin and value_env:
        raise typer.BadParameter("use either --from-stdin or --value-env")
    if from_stdin:
        value = sys.stdin.read().rstrip("\r\n")
    elif value_env:
        value = os.environ.get(value_env, "")
        if not value:
            raise typer.BadParameter(f"environment variable {value_env} is empty or unset")
    else:
        value = typer.prompt(f"{name} {field}", hide_input=True, confirmation_prompt=True)
    if not value:
        raise typer.BadParameter("the value is empty")
    return value


@app.command("set")
def set_value(
    name: str = typer.Argument(..., help="Credential name, e.g. sandbox_bank/treasury."),
    field: str = typer.Argument(..., help="Field, e.g. username, password, totp_seed."),
    from_stdin: StdinOpt = False,
    value_env: EnvOpt = None,
    bot: BotsOpt = None,
) -> None:
    """Store one field of a credential (the value is prompted for, hidden)."""
    value = _read_value(name, field, from_stdin, value_env)
    try:
        ensure_key()
        vault = Vault()
        version = vault.set(name, {field: value}, bots=bot, by=current_actor())
    except VaultError as exc:
        raise _fail(exc) from None
    _log(name, "write", version, field=field, bots=bot)
    scope = f" (readable by {', '.join(bot)})" if bot else ""
    typer.echo(f"stored {name} {field} in {vault.path}, version {version}{scope}")


@app.command("scope")
def scope(name: str = typer.Argument(..., help="Credential name."),
          bot: BotsOpt = None) -> None:
    """Set the bots that may read an entry (no --bot: any bot)."""
    try:
        bots = Vault().set_scope(name, bot or [])
    except VaultError as exc:
        raise _fail(exc) from None
    _log(name, "scope", bots=bots)
    typer.echo(f"{name}: readable by {', '.join(bots) if bots else 'any bot'}")


@app.command("rotate")
def rotate(
    name: str = typer.Argument(..., help="Credential name."),
    field: str = typer.Argument(..., help="Field to change, e.g. password."),
    from_stdin: StdinOpt = False,
    value_env: EnvOpt = None,
) -> None:
    """Store a new value as pending: bots keep the old one until `vault confirm`."""
    value = _read_value(name, field, from_stdin, value_env)
    try:
        version = Vault().rotate(name, {field: value}, by=current_actor())
    except VaultError as exc:
        raise _fail(exc) from None
    _log(name, "rotate", version, field=field)
    typer.echo(f"{name}: version {version} pending; `finbots vault confirm {name}` makes "
               "bots use it")


@app.command("confirm")
def confirm(name: str = typer.Argument(..., help="Credential name.")) -> None:
    """Make the pending version of a rotation the one bots read."""
    try:
        version = Vault().confirm(name)
    except VaultError as exc:
        raise _fail(exc) from None
    _log(name, "confirm", version)
    typer.echo(f"{name}: version {version} confirmed")


@app.command("cancel")
def cancel(name: str = typer.Argument(..., help="Credential name.")) -> None:
    """Drop a pending rotation (bots keep the confirmed version)."""
    try:
        Vault().cancel_rotation(name)
    except VaultError as exc:
        raise _fail(exc) from None
    _log(name, "cancel")
    typer.echo(f"{name}: rotation cancelled")


@app.command("list")
def list_entries(
    details: Annotated[bool, typer.Option("--details", help="Scope and versions too.")]
    = False,
) -> None:
    """Credential names and their field names (never values)."""
    try:
        entries = Vault().entries()
    except VaultError as exc:
        raise _fail(exc) from None
    if not entries:
        typer.echo("the vault is empty")
    for e in entries:
        line = f"{e.name}: {', '.join(e.fields)}"
        if details:
            pending = f", v{e.pending_version} pending" if e.pending_version else ""
            line += f"  [v{e.version}{pending}; bots: {', '.join(e.bots) or 'any'}]"
        typer.echo(line)


@app.command("delete")
def delete_entry(
    name: str = typer.Argument(..., help="Credential name."),
    field: str | None = typer.Argument(None, help="Only this field (default: the whole entry)."),
) -> None:
    """Delete a credential, or one of its fields."""
    try:
        Vault().delete(name, field)
    except VaultError as exc:
        raise _fail(exc) from None
    _log(name, "delete", field=field)
    typer.echo(f"deleted {name}{' ' + field if field else ''}")


app.command("log")(access_log)
app.command("rekey")(rekey)
