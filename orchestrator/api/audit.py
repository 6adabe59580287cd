"""``/api/v1/audit``: the trail, its verification and CSV export; ``/api/v1/vault``:
credential names, scopes, versions and the access log — never values."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse

from bots.runtime.errors import VaultError
from orchestrator.auth.audit_csv import audit_csv_lines
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.audit import verify
from orchestrator.services.auth_models import (
    AuditOut,
    AuditVerifyOut,
    CredentialAccessOut,
    VaultEntryOut,
)
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Auditor = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]
VaultMeta = Annotated[Principal, Depends(require(Permission.VAULT_READ_META))]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10**9)]


@router.get("/audit", response_model=list[AuditOut], tags=["audit"],
            summary="Audit records, newest first")
def list_audit(principal: Auditor, store: StoreDep, action: str | None = None,
               actor: str | None = None, target: str | None = None, limit: Limit = 100,
               offset: Offset = 0) -> list[AuditOut]:
    records = store.list_audit(limit=limit, action=action, actor=actor, target=target,
                               offset=offset)
    return [AuditOut.model_validate(r, from_attributes=True) for r in records]


@router.get("/audit/verify", response_model=AuditVerifyOut, tags=["audit"],
            summary="Check the hash chain: edited, removed, reordered records")
def verify_audit(principal: Auditor, store: StoreDep) -> AuditVerifyOut:
    return verify(store)


@router.get("/audit/export.csv", tags=["audit"], response_class=StreamingResponse,
            summary="The whole trail as CSV, oldest first")
def export_audit(principal: Auditor, store: StoreDep) -> StreamingResponse:
    return StreamingResponse(audit_csv_lines(store.iter_audit()), media_type="text/csv",
                             headers={"Content-Disposition":
                                      'attachment; filename="finbots-audit.csv"'})


@router.get("/vault", response_model=list[VaultEntryOut], tags=["vault"],
            summary="Credential names, fields, scopes and versions (never values)")
def vault_entries(principal: VaultMeta) -> list[VaultEntryOut]:
    from bots.runtime.vault import Vault

    try:
        entries = Vault().entries()
    except VaultError as exc:
        raise HTTPException(503, f"the vault cannot be opened here: {exc}") from None
    return [VaultEntryOut(name=e.name, fields=list(e.fields), bots=list(e.bots),
                          version=e.version, pending_version=e.pending_version,
                          updated_at=e.updated_at) for e in entries]


@router.get("/vault/access", response_model=list[CredentialAccessOut], tags=["vault"],
            summary="Who read or changed which credential when")
def vault_access(principal: VaultMeta, store: StoreDep, credential: str | None = None,
                 actor: str | None = None,
                 run_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                 limit: Limit = 100,
                 offset: Offset = 0) -> list[CredentialAccessOut]:
    rows = store.list_credential_access(credential, actor, run_id, limit=limit, offset=offset)
    return [CredentialAccessOut.model_validate(r, from_attributes=True) for r in rows]
