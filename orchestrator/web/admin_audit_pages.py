"""Admin pages: the audit trail (filters, paging, verify button, CSV) and the vault's
metadata and access log (never values)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from bots.runtime.errors import VaultError
from orchestrator.auth.audit_csv import audit_csv_lines
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.audit import verify as verify_chain
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Auditor = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]
VaultMeta = Annotated[Principal, Depends(require(Permission.VAULT_READ_META))]
PAGE = 50


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value else None


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, principal: Auditor, store: StoreDep,
               action: str | None = None, actor: str | None = None, target: str | None = None,
               offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
               verify: bool = False) -> Response:
    filters = {"action": _blank(action), "actor": _blank(actor), "target": _blank(target)}
    records = store.list_audit(limit=PAGE + 1, offset=offset, **filters)
    result = None
    if verify:
        result = verify_chain(store)
    return render(request, "admin_audit.html", records=records[:PAGE], filters=filters,
                  offset=offset, limit=PAGE, has_next=len(records) > PAGE, verify=result)


@router.get("/admin/audit/export.csv")
def audit_csv(principal: Auditor, store: StoreDep) -> StreamingResponse:
    return StreamingResponse(audit_csv_lines(store.iter_audit()), media_type="text/csv",
                             headers={"Content-Disposition":
                                      'attachment; filename="finbots-audit.csv"'})


@router.get("/admin/vault", response_class=HTMLResponse)
def vault_page(request: Request, principal: VaultMeta, store: StoreDep,
               credential: str | None = None) -> Response:
    from bots.runtime.vault import Vault

    error, entries = None, []
    try:
        entries = Vault().entries()
    except VaultError as exc:
        error = f"The vault cannot be opened here: {exc}"
    access = store.list_credential_access(_blank(credential), limit=100)
    return render(request, "admin_vault.html", entries=entries, access=access, error=error,
                  credential=_blank(credential))
