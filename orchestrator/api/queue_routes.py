"""``/api/v1/queues`` and ``/api/v1/items``: queue counts, items (list, get, add one or many,
retry, delete)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission as P
from orchestrator.services import item_batch
from orchestrator.services.deps import get_store, require
from orchestrator.services.fleet_actions import add_item, delete_item, retry_item, store_errors
from orchestrator.services.fleet_models import (
    ItemAddIn,
    ItemBatchIn,
    ItemBatchOut,
    ItemOut,
    ItemPageOut,
    ItemSkippedOut,
    QueueOut,
    item_out,
    queue_out,
)
from orchestrator.store import ItemState, Store

__all__ = ["router"]

router = APIRouter(tags=["queues"])
StoreDep = Annotated[Store, Depends(get_store)]
ItemId = Annotated[int, Path(ge=1, le=2**62)]
Reader = Annotated[Principal, Depends(require(P.QUEUES_READ))]


@router.get("/queues", response_model=list[QueueOut], summary="Queues with items per state")
def list_queues(principal: Reader, store: StoreDep) -> list[QueueOut]:
    counts = store.queue_counts()
    return [queue_out(q, counts.get(q.name, {})) for q in store.list_queues()]


@router.get("/items", response_model=ItemPageOut, summary="Work items, newest first")
def list_items(
    principal: Reader, store: StoreDep,
    queue: str | None = None, state: ItemState | None = None,
    reference: Annotated[str | None, Query(max_length=200, description="part of it")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> ItemPageOut:
    page = store.find_items(queue=queue, state=state, reference=reference, limit=limit,
                            offset=offset)
    return ItemPageOut(total=page.total, offset=offset, limit=limit,
                       items=[item_out(i) for i in page.records])


@router.get("/items/{item_id}", response_model=ItemOut, summary="One work item")
def get_item(item_id: ItemId, principal: Reader, store: StoreDep) -> ItemOut:
    with store_errors():
        return item_out(store.get_item(item_id))


@router.post("/items", response_model=ItemOut, status_code=201, summary="Add a work item")
def create_item(body: ItemAddIn, store: StoreDep,
                principal: Annotated[Principal, Depends(require(P.QUEUES_WRITE))]) -> ItemOut:
    item = add_item(store, principal, body.queue, body.reference, body.payload,
                    body.priority, body.deadline)
    return item_out(item)


async def _batch_body(request: Request) -> bytes:
    """The request body, refused (413) beyond :data:`item_batch.MAX_BYTES`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > item_batch.MAX_BYTES:
        raise HTTPException(413, f"more than {item_batch.MAX_BYTES:,} bytes in one call")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > item_batch.MAX_BYTES:
            raise HTTPException(413, f"more than {item_batch.MAX_BYTES:,} bytes in one call")
    return bytes(body)


_BATCH_DOC = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "array", "items": ItemBatchIn.model_json_schema(),
                                    "maxItems": item_batch.MAX_ITEMS}},
    "application/x-ndjson": {"schema": {"type": "string",
                                        "description": "one item object a line"}}}}}


@router.post("/queues/{queue}/items", response_model=ItemBatchOut, status_code=201,
             summary="Add many work items in one transaction", openapi_extra=_BATCH_DOC)
def create_items(
    queue: Annotated[str, Path(min_length=1, max_length=100)], store: StoreDep,
    principal: Annotated[Principal, Depends(require(P.QUEUES_WRITE))],
    body: Annotated[bytes, Depends(_batch_body)],
) -> ItemBatchOut:
    """A JSON list of items (or JSON Lines). Every bad item is named (``item N`` / ``line
    N``) and nothing is added while one is bad (422); items whose reference a live item
    holds are skipped and listed."""
    try:
        parsed = item_batch.read_items(body, "request body")
    except item_batch.ItemBatchError as exc:
        raise HTTPException(422, {"message": "nothing added", "problems": exc.problems}) \
            from None
    with store_errors():
        done = item_batch.add_batch(store, principal.name, queue, parsed, "api")
    return ItemBatchOut(queue=queue, added=len(done.ids), ids=done.ids,
                        skipped=[ItemSkippedOut(at=at, reference=ref)
                                 for at, ref in done.skipped])


@router.post("/items/{item_id}/retry", response_model=ItemOut,
             summary="Retry a failed or abandoned item (returns the new clone)")
def retry(item_id: ItemId, store: StoreDep,
          principal: Annotated[Principal, Depends(require(P.ITEMS_RETRY))]) -> ItemOut:
    return item_out(retry_item(store, principal, item_id))


@router.delete("/items/{item_id}", response_model=ItemOut, summary="Withdraw a new item")
def delete(item_id: ItemId, store: StoreDep,
           principal: Annotated[Principal, Depends(require(P.QUEUES_WRITE))]) -> ItemOut:
    return item_out(delete_item(store, principal, item_id))
