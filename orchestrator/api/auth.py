"""``/api/v1``: who am I, users and API tokens (the audit and vault parts: :mod:`.audit`).

Every change is written to the audit trail with the caller as actor. Generated passwords
and tokens are in the response once and never again.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from bots.runtime.errors import ConfigError, DuplicateError, NotFoundError, PermissionDeniedError
from orchestrator.api import audit as audit_api
from orchestrator.auth import service as accounts
from orchestrator.auth.expiry import check_token_expiry, token_expiry
from orchestrator.auth.passwords import generate_password
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission, Role, parse_roles
from orchestrator.services.auth_models import (
    MeOut,
    PasswordOut,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserCreated,
    UserIn,
    UserOut,
)
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store
from orchestrator.store.api_tokens import made_with

__all__ = ["router"]

router = APIRouter(tags=["users and tokens"])
router.include_router(audit_api.router)
StoreDep = Annotated[Store, Depends(get_store)]
Self = Annotated[Principal, Depends(require(Permission.SELF_READ))]
UserAdmin = Annotated[Principal, Depends(require(Permission.USERS_MANAGE))]
TokenAdmin = Annotated[Principal, Depends(require(Permission.TOKENS_MANAGE))]


@router.get("/me", response_model=MeOut, summary="The caller: name, roles, permissions")
def me(principal: Self) -> MeOut:
    return MeOut(name=principal.name, kind=principal.kind, roles=list(principal.roles),
                 permissions=sorted(p.value for p in principal.permissions),
                 token=principal.via_token)


@router.get("/users", response_model=list[UserOut], summary="Users")
def list_users(principal: UserAdmin, store: StoreDep) -> list[UserOut]:
    return [UserOut.model_validate(u, from_attributes=True) for u in store.list_users()]


@router.post("/users", response_model=UserCreated, status_code=201, summary="Add a user")
def add_user(body: UserIn, principal: UserAdmin, store: StoreDep) -> UserCreated:
    password = body.password or generate_password()
    try:
        user = accounts.add_user(store, body.username, password, body.roles,
                                 body.display_name)
    except DuplicateError as exc:
        raise HTTPException(409, str(exc)) from None
    except (ConfigError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None
    store.record_audit(principal.name, "user.add", f"user:{user.username}",
                       {"roles": user.roles})
    out = UserOut.model_validate(user, from_attributes=True)
    return UserCreated(**out.model_dump(), password=None if body.password else password)


def _user_change(store: Store, principal: Principal, username: str, action: str) -> UserOut:
    try:
        user = getattr(store, f"{action}_user")(username)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    store.record_audit(principal.name, f"user.{action}", f"user:{username}", {})
    return UserOut.model_validate(user, from_attributes=True)


@router.post("/users/{username}/disable", response_model=UserOut, summary="Disable a user")
def disable_user(username: str, principal: UserAdmin, store: StoreDep) -> UserOut:
    if username == principal.name:
        raise HTTPException(409, "you cannot disable yourself")
    return _user_change(store, principal, username, "disable")


@router.post("/users/{username}/enable", response_model=UserOut, summary="Enable a user")
def enable_user(username: str, principal: UserAdmin, store: StoreDep) -> UserOut:
    return _user_change(store, principal, username, "enable")


@router.post("/users/{username}/reset-password", response_model=PasswordOut,
             summary="Give a user a new generated password")
def reset_password(username: str, principal: UserAdmin, store: StoreDep) -> PasswordOut:
    password = generate_password()
    try:
        accounts.reset_password(store, username, password)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    store.record_audit(principal.name, "user.reset_password", f"user:{username}", {})
    return PasswordOut(username=username, password=password)


@router.get("/tokens", response_model=list[TokenOut], summary="API tokens (never the secret)")
def list_tokens(principal: TokenAdmin, store: StoreDep) -> list[TokenOut]:
    return [TokenOut.model_validate(t, from_attributes=True) for t in store.list_tokens()]


@router.post("/tokens", response_model=TokenCreated, status_code=201,
             summary="Create a token acting as the caller, with some of the caller's roles")
def create_token(body: TokenIn, principal: TokenAdmin, store: StoreDep) -> TokenCreated:
    try:
        expires_at: dt.datetime | None = token_expiry(body.expires) if body.expires else None
        if principal.via_token is not None:
            expires_at = _within_the_callers_token(store, principal, body.roles, body.kind,
                                                   expires_at)
        # made with a token: named so, and revoked with it
        made_by = made_with(principal.via_token) if principal.via_token else principal.name
        token, plain = accounts.create_token(store, body.name, body.roles, kind=body.kind,
                                             owner=principal.name, created_by=made_by,
                                             expires_at=expires_at)
    except DuplicateError as exc:
        raise HTTPException(409, str(exc)) from None
    except PermissionDeniedError as exc:
        raise HTTPException(403, str(exc)) from None
    except (ConfigError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None
    store.record_audit(principal.name, "token.create", f"token:{token.name}",
                       {"roles": token.roles, "kind": token.kind, "owner": token.owner,
                        "expires_at": token.expires_at})
    out = TokenOut.model_validate(token, from_attributes=True)
    return TokenCreated(**out.model_dump(), token=plain)


def _within_the_callers_token(store: Store, principal: Principal, roles: list[str],
                              kind: str, expires_at: dt.datetime | None) -> dt.datetime:
    """A token made with a token neither outlives it nor holds a role it does not: a
    short-lived token that leaked would otherwise be lasting access. Asked for no expiry,
    the new token gets the default lifetime, or the caller's token's end if sooner."""
    caller = store.get_token(principal.via_token or "")
    ends = caller.expires_at
    if ends is None:
        return check_token_expiry(expires_at)
    if ends.tzinfo is None:
        ends = ends.replace(tzinfo=dt.UTC)
    if expires_at is None:
        expires_at = min(check_token_expiry(None), ends)
    if expires_at > ends:
        raise PermissionDeniedError(
            f"a token made with token {caller.name!r} ends no later than it does "
            f"({ends:%Y-%m-%d %H:%M} UTC)")
    # roles the owner lacks are the owner check's; a robot token is judged there too (an
    # administrator's token may make one, for robots provisioned by a script; it ends no
    # later than the token that made it, and is revoked with it)
    owner = store.find_user(principal.name)
    beyond = set(parse_roles(roles)) - set(principal.roles) - {Role.ROBOT.value}
    if owner is not None and beyond & set(owner.roles):
        raise PermissionDeniedError(f"a token made with token {caller.name!r} holds only "
                                    f"roles it holds ({', '.join(principal.roles)})")
    return expires_at


@router.post("/tokens/{name}/revoke", response_model=TokenOut, summary="Revoke a token")
def revoke_token(name: str, principal: TokenAdmin, store: StoreDep) -> TokenOut:
    try:
        token = store.revoke_token(name)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    store.record_audit(principal.name, "token.revoke", f"token:{name}", {})
    return TokenOut.model_validate(token, from_attributes=True)
