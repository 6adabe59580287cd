"""``/api/v1/dashboard``: the figures of the dashboard page, as JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.dashboard import DashboardOut, dashboard_figures
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store

__all__ = ["router"]

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", response_model=DashboardOut, summary="The dashboard's figures")
def dashboard(principal: Annotated[Principal, Depends(require(Permission.DASHBOARD_READ))],
              store: Annotated[Store, Depends(get_store)]) -> DashboardOut:
    return dashboard_figures(store)
