"""``finbots vault log`` (the access log) and ``finbots vault rekey`` (a new master key)."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from cryptography.fernet import Fernet
from rich.markup import escape

from bots.runtime.errors import VaultError
from bots.runtime.vault import Vault
from bots.runtime.vault_keys import default_key_path, key_from_env, write_private
from orchestrator.cli.runs import JsonOpt, _console, _emit, _fields, _table, _when
from orchestrator.store import Store, current_actor

__all__ = ["access_log", "rekey"]


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


def access_log(
    name: Annotated[str | None, typer.Argument(help="Only this credential.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor, e.g. bot:payment-posting.")]
    = None,
    run: Annotated[int | None, typer.Option(help="Only reads of this run.")] = None,
    limit: Annotated[int, typer.Option(help="How many entries, newest first.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Who read or changed which credential when (UTC); never values."""
    rows = Store.from_settings().list_credential_access(name, actor, run, limit=limit)
    if as_json:
        _emit([_fields(r) for r in rows])
        return
    table = _table("Vault access log (UTC)", "id at credential version action actor run",
                   numbers="id version run")
    for r in rows:
        table.add_row(str(r.id), _when(r.at), escape(r.credential), str(r.version or "-"),
                      r.action, escape(r.actor), str(r.run_id or "-"))
    _console().print(table)


def rekey(
    new_key_stdin: Annotated[bool, typer.Option(
        "--new-key-stdin", help="Read the new key from stdin (default: generate one).")]
    = False,
) -> None:
    """Re-encrypt the vault under a new master key (the current key must open it).

    With a key file, the file gets the new key. With FINBOTS_MASTER_KEY, give the new key
    on stdin and set the variable to it afterwards.
    """
    if key_from_env() and not new_key_stdin:
        raise _fail(VaultError("the key comes from FINBOTS_MASTER_KEY: pass the new key "
                               "with --new-key-stdin, then set the variable to it"))
    new_key = sys.stdin.read().strip().encode() if new_key_stdin else Fernet.generate_key()
    key_path = default_key_path()
    staged = key_path.with_name(key_path.name + ".new")  # kept if we stop half-way
    try:
        vault = Vault()
        if not key_from_env():
            write_private(staged, new_key + b"\n")
        count = vault.rekey(new_key)
    except VaultError as exc:
        staged.unlink(missing_ok=True)
        raise _fail(exc) from None
    if not key_from_env():
        os.replace(staged, key_path)
    Store.from_settings().log_credential_access("*", "rekey", current_actor(),
                                                details={"entries": count})
    where = "FINBOTS_MASTER_KEY must now hold the new key" if key_from_env() else \
        f"new key written to {default_key_path()}"
    typer.echo(f"re-encrypted {count} entries; {where}")
