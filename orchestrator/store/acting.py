"""The API token the current request acts through, for the audit records it writes.

A token acts as its owner: the audit record's ``actor`` is the owner and ``via_token`` the
token, so a reviewer can tell a script from the person in the browser. The authentication
middleware sets the token for the whole request (:func:`acting_via_token`); every audit
record created meanwhile, in whichever store method, picks it up
(:attr:`~orchestrator.store.models.AuditRecord.via_token`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["acting_via_token", "current_via_token"]

_VIA_TOKEN: ContextVar[str | None] = ContextVar("finbots_via_token", default=None)


def current_via_token() -> str | None:
    """The name of the token the current request came with, else ``None``."""
    return _VIA_TOKEN.get()


@contextmanager
def acting_via_token(name: str | None) -> Iterator[None]:
    """Within the block, audit records name ``name`` as the token acted through."""
    reset = _VIA_TOKEN.set(name)
    try:
        yield
    finally:
        _VIA_TOKEN.reset(reset)
