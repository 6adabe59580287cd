"""``finbots vault set|list|delete``: manage the encrypted credentials vault.

Values are read from a hidden prompt, from stdin (``--from-stdin``) or from an
environment variable (``--value-env``), never from an argument (shell history), and are
never printed.
"""

from __future__ import annotations

import os
import sys

import typer

from bots.runtime.vault import Vault, ensure_key
from orchestrator.errors import VaultError

app = typer.Typer(no_args_is_help=True)


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


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
    from_stdin: bool = typer.Option(False, "--from-stdin", help="Read the value from stdin."),
    value_env: str | None = typer.Option(
        None, "--value-env", metavar="VAR", help="Read the value from this environment variable."
    ),
) -> None:
    """Store one field of a credential (the value is prompted for, hidden)."""
    value = _read_value(name, field, from_stdin, value_env)
    try:
        ensure_key()
        vault = Vault()
        vault.set(name, {field: value})
    except VaultError as exc:
        raise _fail(exc) from None
    typer.echo(f"stored {name} {field} in {vault.path}")


@app.command("list")
def list_entries() -> None:
    """Credential names and their field names (never values)."""
    try:
        entries = Vault().list()
    except VaultError as exc:
        raise _fail(exc) from None
    if not entries:
        typer.echo("the vault is empty")
    for name, fields in entries.items():
        typer.echo(f"{name}: {', '.join(fields)}")


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
    typer.echo(f"deleted {name}{' ' + field if field else ''}")
