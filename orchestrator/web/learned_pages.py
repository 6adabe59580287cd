"""The Learned page: per bot, what it learned from people's decisions (in the bot's own
words, with the case it came from), and a withdraw button for those allowed to press it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.case_views import store_errors
from orchestrator.services.deps import get_store, require
from orchestrator.services.learned import list_learned, withdraw
from orchestrator.store import Store
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.LEARNED_READ))]
Withdrawer = Annotated[Principal, Depends(require(Permission.LEARNED_WITHDRAW))]


def _page(request: Request, store: Store, principal: Principal, bot: str | None, *,
          error: str = "", status_code: int = 200) -> HTMLResponse:
    rules = list_learned(store, bot or None)
    by_bot: dict[str, list[object]] = {}
    for rule in rules:
        by_bot.setdefault(rule.bot, []).append(rule)
    return render(request, "learned.html", status_code=status_code, by_bot=by_bot, bot=bot,
                  error=error, can_withdraw=principal.can(Permission.LEARNED_WITHDRAW),
                  done=request.query_params.get("done") == "1")


@router.get("/learned", response_class=HTMLResponse)
def learned_page(request: Request, principal: Reader, store: StoreDep,
                 bot: Annotated[str | None, Query(max_length=100)] = None) -> HTMLResponse:
    return _page(request, store, principal, bot)


@router.post("/learned/{rule_id}/withdraw")
def withdraw_page(rule_id: Annotated[int, Path(ge=1, le=2**62)], request: Request,
                  principal: Withdrawer, store: StoreDep) -> Response:
    try:
        with store_errors():
            withdraw(store, rule_id, principal.name)
    except HTTPException as exc:
        return _page(request, store, principal, None, error=str(exc.detail),
                     status_code=exc.status_code)
    return RedirectResponse("/learned?done=1", 303)
