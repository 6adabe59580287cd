"""``finbots tokens create|list|revoke``: bearer tokens for robots and integrations.

The token is printed once, at creation; the store keeps only its digest. Every token acts
as a user, its owner (``--owner``, or the user named like the one running the command):
an integration token holds some of the owner's roles, a robot token the robot role only
and is owned by an administrator.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from bots.runtime.errors import AccessError, ConfigError, DuplicateError, NotFoundError
from orchestrator.auth import service as accounts
from orchestrator.auth.expiry import MAX_TOKEN_LIFETIME, token_expiry
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
    expires: Annotated[str | None, typer.Option(
        help=f"90d, 12h, 2w or an ISO date, at most {MAX_TOKEN_LIFETIME.days} days away "
             "(default 90d).")] = None,
    owner: Annotated[str | None, typer.Option(
        help="The user the token acts as (default: the user named like you, "
             "FINBOTS_ACTOR); a robot token's owner is an administrator.")] = None,
) -> None:
    """Create a token; it is printed once and cannot be shown again."""
    store = Store.from_settings()
    actor = current_actor()
    owner = owner or actor
    if store.find_user(owner) is None:
        raise _fail(ConfigError(f"--owner: no user {owner!r}; name the user the token acts "
                                "as with --owner")) from None
    try:
        token, plain = accounts.create_token(store, name, role, kind=kind, owner=owner,
                                             created_by=actor,
                                             expires_at=token_expiry(expires))
    except (AccessError, ConfigError, DuplicateError, ValueError) as exc:
        raise _fail(exc) from None
    store.record_audit(actor, "token.create", f"token:{token.name}",
                       {"roles": token.roles, "kind": token.kind, "owner": token.owner,
                        "expires_at": token.expires_at})
    typer.echo(f"created {token.kind} token {token.name} ({', '.join(token.roles)}) acting "
               f"as {token.owner}, expires {_when(token.expires_at)}")
    typer.echo("token (shown once; send it as 'Authorization: Bearer <token>'):")
    typer.echo(plain)


@app.command("list")
def list_tokens(as_json: JsonOpt = False) -> None:
    """Tokens with their prefix, roles, expiry and last use (never the token itself)."""
    tokens = Store.from_settings().list_tokens()
    if as_json:
        _emit([_fields(t, "token_hash") for t in tokens])
        return
    table = _table("API tokens (UTC)", "name prefix kind roles owner status expires last_used")
    now = utcnow()
    for t in tokens:
        status = ("revoked" if t.revoked_at else
                  "expired" if t.expires_at and t.expires_at <= now else "active")
        table.add_row(escape(t.name), t.prefix + "…", t.kind, ", ".join(t.roles),
                      escape(t.owner or "-"), status, _when(t.expires_at),
                      _when(t.last_used_at))
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
