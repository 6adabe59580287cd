"""``/api/v1/dashboard``: the figures of the dashboard pages, as JSON; ``/api/v1/home``:
what waits for the caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.dashboard import DashboardOut, dashboard_figures
from orchestrator.services.deps import get_store, require
from orchestrator.services.finance_dashboard import FinanceOut, recent_finance_figures
from orchestrator.services.waiting import WaitingOut, waiting_for
from orchestrator.store import Store

__all__ = ["router"]

router = APIRouter(tags=["dashboard"])
Reader = Annotated[Principal, Depends(require(Permission.DASHBOARD_READ))]
StoreDep = Annotated[Store, Depends(get_store)]


@router.get("/dashboard", response_model=DashboardOut, summary="The dashboard's figures")
def dashboard(principal: Reader, store: StoreDep) -> DashboardOut:
    return dashboard_figures(store)


@router.get("/dashboard/finance", response_model=FinanceOut,
            summary="Finance figures in money and time (cash applied, unapplied cash, "
                    "straight-through rates, exceptions by value, approval delays, ...)")
def finance(principal: Reader, store: StoreDep) -> FinanceOut:
    return recent_finance_figures(store)


@router.get("/home", response_model=WaitingOut, summary="What waits for the caller")
def home(principal: Annotated[Principal, Depends(require(Permission.SELF_READ))],
         store: StoreDep) -> WaitingOut:
    return waiting_for(store, principal)
