"""Ending a command that holds a month end in memory without freeing it object by object.

A command that has read a large statement and hundreds of thousands of open items leaves
millions of objects behind. Freeing them one by one when the command returns, and again
when the interpreter shuts down, adds most of a second after the output is written. Such a
command hands those objects to :func:`keep` and calls :func:`request`; the ``finbots``
entry point then flushes its output and ends the process at once (``os._exit``), which
gives the memory back to the system in one piece. Commands run in-process (tests, other
Python code) are not affected: only the entry point looks at the request.
"""

from __future__ import annotations

_kept: list[object] = []
_requested = False


def keep(*objects: object) -> None:
    """Hold ``objects`` until the process ends (returning does not free them)."""
    _kept.extend(objects)


def request() -> None:
    """Ask the entry point to end the process without freeing memory first."""
    global _requested
    _requested = True


def requested() -> bool:
    return _requested


def release() -> None:
    """Forget the request and the objects held (an in-process caller is done with them)."""
    global _requested
    _requested = False
    _kept.clear()
