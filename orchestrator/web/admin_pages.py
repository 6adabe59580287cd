"""Admin pages: ``/admin`` (index), users and API tokens (the audit trail and vault pages:
:mod:`.admin_audit_pages`).

Server-rendered forms; every change goes to the audit trail with the signed-in person as
actor. A generated password or token is shown on the page that created it, once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bots.runtime.errors import ConfigError, DuplicateError, NotFoundError, PermissionDeniedError
from orchestrator.auth import service as accounts
from orchestrator.auth.expiry import MAX_TOKEN_LIFETIME, token_expiry
from orchestrator.auth.passwords import generate_password
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission, Role
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store, utcnow
from orchestrator.web import admin_audit_pages
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
router.include_router(admin_audit_pages.router)
StoreDep = Annotated[Store, Depends(get_store)]
Anyone = Annotated[Principal, Depends(require(Permission.SELF_READ))]
UserAdmin = Annotated[Principal, Depends(require(Permission.USERS_MANAGE))]
TokenAdmin = Annotated[Principal, Depends(require(Permission.TOKENS_MANAGE))]
ROLES = [r.value for r in Role]


@router.get("/admin", response_class=HTMLResponse)
def admin_index(request: Request, principal: Anyone) -> Response:
    return render(request, "admin_index.html")


def _users_page(request: Request, store: Store, status_code: int = 200, **extra: object
                ) -> Response:
    return render(request, "admin_users.html", status_code=status_code,
                  users=store.list_users(), roles=ROLES, **extra)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, principal: UserAdmin, store: StoreDep) -> Response:
    return _users_page(request, store)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(request: Request, principal: UserAdmin, store: StoreDep,
             username: Annotated[str, Form()], roles: Annotated[list[str], Form()],
             display_name: Annotated[str, Form()] = "") -> Response:
    password = generate_password()
    try:
        user = accounts.add_user(store, username, password, roles, display_name)
    except (ConfigError, DuplicateError, ValueError) as exc:
        return _users_page(request, store, 400, error=str(exc))
    store.record_audit(principal.name, "user.add", f"user:{user.username}",
                       {"roles": user.roles})
    return _users_page(request, store, secret=(user.username, password))


@router.post("/admin/users/{username}/{action}", response_class=HTMLResponse)
def change_user(request: Request, username: str, action: str, principal: UserAdmin,
                store: StoreDep) -> Response:
    """``action``: disable, enable or reset (a new generated password, shown once)."""
    if action not in ("disable", "enable", "reset"):
        return _users_page(request, store, 404, error=f"unknown action {action!r}")
    if action == "disable" and username == principal.name:
        return _users_page(request, store, 409, error="you cannot disable yourself")
    password = generate_password()
    try:
        if action == "reset":
            accounts.reset_password(store, username, password)
        else:
            getattr(store, f"{action}_user")(username)
    except NotFoundError as exc:
        return _users_page(request, store, 404, error=str(exc))
    name = "reset_password" if action == "reset" else action
    store.record_audit(principal.name, f"user.{name}", f"user:{username}", {})
    if action == "reset":
        return _users_page(request, store, secret=(username, password))
    return RedirectResponse("/admin/users", status_code=303)


def _tokens_page(request: Request, store: Store, status_code: int = 200, **extra: object
                 ) -> Response:
    return render(request, "admin_tokens.html", status_code=status_code,
                  tokens=store.list_tokens(), roles=ROLES, now=utcnow(),
                  max_days=MAX_TOKEN_LIFETIME.days, **extra)


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, principal: TokenAdmin, store: StoreDep) -> Response:
    return _tokens_page(request, store)


@router.post("/admin/tokens", response_class=HTMLResponse)
def create_token(request: Request, principal: TokenAdmin, store: StoreDep,
                 name: Annotated[str, Form()], roles: Annotated[list[str], Form()],
                 kind: Annotated[str, Form()] = "integration",
                 expires: Annotated[str, Form()] = "") -> Response:
    """A token acting as the signed-in person, with some of their roles (or a robot's)."""
    try:
        token, plain = accounts.create_token(store, name, roles, kind=kind,
                                             owner=principal.name, created_by=principal.name,
                                             expires_at=token_expiry(expires))
    except PermissionDeniedError as exc:
        return _tokens_page(request, store, 403, error=str(exc))
    except (ConfigError, DuplicateError, ValueError) as exc:
        return _tokens_page(request, store, 400, error=str(exc))
    store.record_audit(principal.name, "token.create", f"token:{token.name}",
                       {"roles": token.roles, "kind": token.kind, "owner": token.owner,
                        "expires_at": token.expires_at})
    return _tokens_page(request, store, secret=(token.name, plain))


@router.post("/admin/tokens/{name}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, name: str, principal: TokenAdmin,
                 store: StoreDep) -> Response:
    try:
        store.revoke_token(name)
    except NotFoundError as exc:
        return _tokens_page(request, store, 404, error=str(exc))
    store.record_audit(principal.name, "token.revoke", f"token:{name}", {})
    return RedirectResponse("/admin/tokens", status_code=303)
