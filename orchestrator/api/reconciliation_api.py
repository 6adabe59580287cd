"""``/api/v1/statements``: the imported bank statements reconciled (balances, cash posted,
the remainder explained payment by payment; flagged when something is unexplained)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from bots.runtime.errors import NotFoundError
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.deps import get_store, require
from orchestrator.services.reconciliation import list_statements, reconcile_statement
from orchestrator.store import Store

__all__ = ["router"]

router = APIRouter(tags=["statements"])
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.STATEMENTS_READ))]


@router.get("/statements")
def statements(principal: Reader, store: StoreDep,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               flagged: bool = False) -> list[dict[str, Any]]:
    """The newest statements imported, each reconciled (totals only; newest first)."""
    return [r.as_json(lines=False)
            for r in list_statements(store, limit=limit, flagged_only=flagged)]


@router.get("/statements/{statement_id}")
def statement(statement_id: Annotated[int, Path(ge=1, le=2**62)], principal: Reader,
              store: StoreDep) -> dict[str, Any]:
    """One statement reconciled, every entry with what its money became."""
    try:
        return reconcile_statement(store, statement_id).as_json()
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
