"""Bounds of the paging parameters every list takes (``offset``, ``limit``, a log's byte
offset and line number), for the API and the pages alike.

A database refuses integers beyond 64 bits with an error, so an offset of 2**63 must be
refused before it reaches the store: a 422 naming the parameter, never a server error.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

__all__ = ["MAX_BYTE_OFFSET", "MAX_LIMIT", "MAX_OFFSET", "ByteOffset", "LineNumber", "Offset",
           "parse_offset"]

#: No list is paged this far; a larger offset is a mistake or a probe.
MAX_OFFSET = 10**9
MAX_LIMIT = 500
#: A log's byte offset (a file is never this large; the OS seeks up to 2**63 - 1).
MAX_BYTE_OFFSET = 2**62

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]
ByteOffset = Annotated[int, Query(ge=0, le=MAX_BYTE_OFFSET, description="byte offset")]
LineNumber = Annotated[int | None, Query(ge=1, le=MAX_BYTE_OFFSET,
                                         description="number of the line at offset")]


def parse_offset(text: str, name: str = "offset", *, low: int = 0,
                 high: int = MAX_OFFSET) -> int:
    """``text`` as a whole number from ``low`` to ``high``; ValueError naming ``name``."""
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {text[:40]!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}, not {text[:40]}")
    return value
