"""``finbots users add|list|disable|enable|reset|bootstrap``: people who sign in, and roles.

A password is read from stdin (``--password-stdin``) or generated and printed once; it is
never taken from an argument (shell history) and never stored in clear.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from bots.runtime.errors import ConfigError, DuplicateError, NotFoundError
from orchestrator.auth import service as accounts
from orchestrator.auth.passwords import generate_password
from orchestrator.cli.runs import JsonOpt, _console, _emit, _fields, _table, _when
from orchestrator.roles import Role
from orchestrator.store import Store, current_actor

__all__ = ["app", "bootstrap_admin"]

app = typer.Typer(no_args_is_help=True)

RoleOpt = Annotated[list[str], typer.Option(
    "--role", help=f"A role (repeatable): {', '.join(r.value for r in Role)}.")]
StdinOpt = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from stdin instead of generating one.")]


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password and whether it was generated (then it must be shown once)."""
    if from_stdin:
        value = sys.stdin.read().rstrip("\r\n")
        if not value:
            raise typer.BadParameter("the password from stdin is empty")
        return value, False
    return generate_password(), True


def bootstrap_admin(store: Store) -> str | None:
    """Create ``admin`` with a random password when no user exists; returns the password."""
    if store.count_users():
        return None
    password = generate_password()
    accounts.add_user(store, "admin", password, [Role.ADMIN.value], display_name="Administrator")
    store.record_audit(current_actor(), "user.add", "user:admin",
                       {"roles": [Role.ADMIN.value], "bootstrap": True})
    return password


@app.command("bootstrap")
def bootstrap() -> None:
    """Create the first administrator (``admin``, random password shown once) if none exists."""
    password = bootstrap_admin(Store.from_settings())
    if password is None:
        typer.echo("users exist already: nothing to do")
        return
    typer.echo(f"created user admin with password: {password}")
    typer.echo("it is shown only this once; sign in and keep it safe")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Username.")],
    role: RoleOpt,
    password_stdin: StdinOpt = False,
    display_name: Annotated[str, typer.Option(help="Full name shown in the UI.")] = "",
) -> None:
    """Add a user with one or more roles."""
    password, generated = _password(password_stdin)
    store = Store.from_settings()
    try:
        user = accounts.add_user(store, name, password, role, display_name=display_name)
    except (ConfigError, DuplicateError, ValueError) as exc:
        raise _fail(exc) from None
    store.record_audit(current_actor(), "user.add", f"user:{user.username}",
                       {"roles": user.roles})
    typer.echo(f"added user {user.username} ({', '.join(user.roles)})")
    if generated:
        typer.echo(f"password (shown once): {password}")


@app.command("list")
def list_users(as_json: JsonOpt = False) -> None:
    """Users, their roles and whether they are disabled (never password hashes)."""
    users = Store.from_settings().list_users()
    if as_json:
        _emit([_fields(u, "password_hash") for u in users])
        return
    table = _table("Users", "username name roles status created last_sign_in")
    for u in users:
        table.add_row(escape(u.username), escape(u.display_name), ", ".join(u.roles),
                      "disabled" if u.disabled else "active", _when(u.created_at),
                      _when(u.last_login_at))
    _console().print(table)


def _change(name: str, action: str, change: str) -> None:
    store = Store.from_settings()
    try:
        getattr(store, change)(name)
    except NotFoundError as exc:
        raise _fail(exc) from None
    store.record_audit(current_actor(), action, f"user:{name}", {})


@app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="Username.")]) -> None:
    """Disable a user: no sign-in, open sessions end."""
    _change(name, "user.disable", "disable_user")
    typer.echo(f"disabled {name}; their sessions have ended")


@app.command("enable")
def enable(name: Annotated[str, typer.Argument(help="Username.")]) -> None:
    """Allow a disabled user to sign in again."""
    _change(name, "user.enable", "enable_user")
    typer.echo(f"enabled {name}")


@app.command("reset")
def reset(name: Annotated[str, typer.Argument(help="Username.")],
          password_stdin: StdinOpt = False) -> None:
    """Give a user a new password (generated and shown once unless read from stdin)."""
    password, generated = _password(password_stdin)
    store = Store.from_settings()
    try:
        accounts.reset_password(store, name, password)
    except NotFoundError as exc:
        raise _fail(exc) from None
    store.record_audit(current_actor(), "user.reset_password", f"user:{name}", {})
    typer.echo(f"new password set for {name}; their sessions have ended")
    if generated:
        typer.echo(f"password (shown once): {password}")
