"""FastAPI dependencies every route uses: the store and the caller's permission check.

The authentication middleware (:mod:`orchestrator.web.auth_middleware`) puts the caller's
:class:`~orchestrator.auth.principal.Principal` on ``request.state.principal`` (or ``None``);
:func:`require` turns that into 401 (nobody signed in) or 403 (signed in, not allowed).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.store import Store

__all__ = ["current_principal", "get_store", "require"]


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def current_principal(request: Request) -> Principal | None:
    return getattr(request.state, "principal", None)


def require(permission: Permission) -> Callable[[Request], Principal]:
    """A dependency that returns the caller if it holds ``permission``."""

    def check(request: Request) -> Principal:
        principal = current_principal(request)
        if principal is None:
            raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
        if not principal.can(permission):
            raise HTTPException(403, f"your role does not allow {permission.value}")
        return principal

    check.__name__ = f"require_{permission.name.lower()}"
    check.permission = permission  # type: ignore[attr-defined]  # read by the role-matrix test
    return check
