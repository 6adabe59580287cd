"""Failing a work item and opening its exception case in one transaction.

A business failure (or a technical one past the queue's retry limit) is only half recorded
without its case: the item is finished, and nobody's inbox shows the payment. Written
together, a crash leaves either both or neither (the item then stays in progress, and
recovery gives it back to the queue).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError, PendingRollbackError

from orchestrator.store.cases import CasesMixin
from orchestrator.store.leases import LeasesMixin
from orchestrator.store.models import ExceptionCase, WorkItem

__all__ = ["ItemFailuresMixin"]


class ItemFailuresMixin(LeasesMixin, CasesMixin):
    def fail_item_with_case(
        self,
        item_id: int,
        kind: str,
        code: str,
        message: str = "",
        owner: str | None = None,
        *,
        case: Mapping[str, Any],
    ) -> tuple[WorkItem | None, ExceptionCase | None]:
        """:meth:`fail_item`, and unless the queue retries the item, :meth:`open_case` with
        the keywords ``case`` (its ``item_id`` is this item), in one transaction.

        Returns ``(retry clone, None)`` or ``(None, case)``; the case may be one already
        open for the same reference and reason, as with :meth:`open_case`.
        """
        request = {**case, "item_id": item_id}
        for attempt in range(2):
            try:
                with self._tx(write=True, join=True):
                    clone = self.fail_item(item_id, kind, code, message, owner=owner)
                    if clone is not None:
                        return clone, None
                    return None, self.open_case(**request)
            except (IntegrityError, PendingRollbackError):
                # another process opened the same case meanwhile (PostgreSQL): nothing was
                # written; the second attempt finds that case and joins it
                if attempt:
                    raise
        raise AssertionError("unreachable")
