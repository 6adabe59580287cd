"""Queue pages: queues with their counts, a queue's items (filters, paging, add), one item
(payload, output, failure; retry and delete)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission as P
from orchestrator.services.deps import get_store, require
from orchestrator.services.fleet_actions import add_item, delete_item, retry_item, store_errors
from orchestrator.services.paging import Offset
from orchestrator.store import ItemState, Store
from orchestrator.web.page_actions import act, done_message
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(P.QUEUES_READ))]
ItemId = Annotated[int, Path(ge=1, le=2**62)]
QueueName = Annotated[str, Path(min_length=1, max_length=100)]
STATES = [s.value for s in ItemState]
PAGE_SIZE = 50


@router.get("/queues", response_class=HTMLResponse)
def queues_page(request: Request, principal: Reader, store: StoreDep) -> HTMLResponse:
    counts = store.queue_counts()
    queues = [(q, counts.get(q.name, {})) for q in store.list_queues()]
    return render(request, "fleet_queues.html", queues=queues, states=STATES)


@router.get("/queues/{name}", response_class=HTMLResponse)
def queue_items_page(
    request: Request, name: QueueName, principal: Reader, store: StoreDep,
    state: str = "", reference: str = "", offset: Offset = 0,
) -> HTMLResponse:
    with store_errors():
        queue = store.get_queue(name)
    page = store.find_items(queue=name, state=state if state in STATES else None,
                            reference=reference[:200] or None, limit=PAGE_SIZE, offset=offset)
    return render(request, "fleet_items.html", queue=queue, page=page, states=STATES,
                  state=state, reference=reference, done=done_message(request))


@router.post("/queues/{name}/items")
def queue_add_item(
    request: Request, name: QueueName, store: StoreDep,
    principal: Annotated[Principal, Depends(require(P.QUEUES_WRITE))],
    reference: Annotated[str, Form(min_length=1, max_length=200)],
    payload: Annotated[str, Form(max_length=20000)] = "",
    priority: Annotated[int, Form(ge=-1000, le=1000)] = 0,
) -> Response:
    def add() -> Any:
        try:
            data = json.loads(payload) if payload.strip() else {}
        except json.JSONDecodeError as exc:
            raise HTTPException(422, f"the payload is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise HTTPException(422, "the payload must be a JSON object")
        return add_item(store, principal, name, reference.strip(), data, priority)

    return act(request, f"/queues/{name}", "item.add", add)


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: ItemId, principal: Reader,
              store: StoreDep) -> HTMLResponse:
    with store_errors():
        item = store.get_item(item_id)
    return render(request, "fleet_item.html", item=item, done=done_message(request))


@router.post("/items/{item_id}/retry")
def item_retry(request: Request, item_id: ItemId, store: StoreDep,
               principal: Annotated[Principal, Depends(require(P.ITEMS_RETRY))]) -> Response:
    clone: list[Any] = []

    def retry() -> Any:
        clone.append(retry_item(store, principal, item_id))
        return clone[0]

    response = act(request, f"/items/{item_id}", "item.retry", retry)
    if clone:  # show the clone: that is where the work goes on
        response.headers["location"] = f"/items/{clone[0].id}?done=item.retry&id={clone[0].id}"
    return response


@router.post("/items/{item_id}/delete")
def item_delete(request: Request, item_id: ItemId, store: StoreDep,
                principal: Annotated[Principal, Depends(require(P.QUEUES_WRITE))]) -> Response:
    return act(request, f"/items/{item_id}", "item.delete",
               lambda: delete_item(store, principal, item_id))
