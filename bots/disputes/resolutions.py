"""What a person may decide on a dispute case (the ``DISPUTE`` case type's resolutions)."""

from __future__ import annotations

from bots.runtime.cases import Resolution

__all__ = ["RESOLUTIONS"]

RESOLUTIONS: tuple[Resolution, ...] = ()
