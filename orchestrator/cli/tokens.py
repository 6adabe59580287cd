"""``finbots tokens create|list|revoke``: bearer tokens for robots and integrations.

The token is printed once, at creation; the store keeps only its digest.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from bots.runtime.errors import ConfigError, DuplicateError, NotFoundError
from orchestrator.auth import service as accounts
from orchestrator.auth.expiry import parse_expiry
from orchestrator.cli.runs import JsonOpt, _console, _emit, _fields, _table, _when
from orchestrator.store import Store, current_actor, utcnow

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True)

def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Token name, e.g. robot-host1.")],
    role: Annotated[list[str], typer.Option("--role", help="A role (repeatable).")],
    kind: Annotated[str, typer.Option(help="robot or integration.")] = "integration",
    expires: Annotated[str | None, typer.Option(help="90d, 12h, 2w, an ISO date, never.")]
    = None,
) -> None:
    """Create a token; it is printed once and cannot be shown again."""
    store = Store.from_settings()
    try:
        token, plain = accounts.create_token(store, name, role, kind=kind,
                                             created_by=current_actor(),
                                             expires_at=parse_expiry(expires))
    except (ConfigError, DuplicateError, ValueError) as exc:
        raise _fail(exc) from None
    store.record_audit(current_actor(), "token.create", f"token:{token.name}",
                       {"roles": token.roles, "kind": token.kind,
                        "expires_at": token.expires_at})
    typer.echo(f"created {token.kind} token {token.name} ({', '.join(token.roles)}), "
               f"expires {_when(token.expires_at) if token.expires_at else 'never'}")
    typer.echo("token (shown once; send it as 'Authorization: Bearer <token>'):")
    typer.echo(plain)


@app.command("list")
def list_tokens(as_json: JsonOpt = False) -> None:
    """Tokens with their prefix, roles, expiry and last use (never the token itself)."""
    tokens = Store.from_settings().list_tokens()
    if as_json:
        _emit([_fields(t, "token_hash") for t in tokens])
        return
    table = _table("API tokens (UTC)", "name prefix kind roles status expires last_used")
    now = utcnow()
    for t in tokens:
        status = ("revoked" if t.revoked_at else
                  "expired" if t.expires_at and t.expires_at <= now else "active")
        table.add_row(escape(t.name), t.prefix + "…", t.kind, ", ".join(t.roles), status,
                      _when(t.expires_at), _when(t.last_used_at))
    _console().print(table)


@app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="Token name.")]) -> None:
    """Revoke a token: it is refused from the next request on."""
    store = Store.from_settings()
    try:
        store.revoke_token(name)
    except NotFoundError as exc:
        raise _fail(exc) from None
    store.record_audit(current_actor(), "token.revoke", f"token:{name}", {})
    typer.echo(f"revoked token {name}")
