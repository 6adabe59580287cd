"""How large a statement file may be, for every format.

A month-end camt.053 of a busy account runs to tens of megabytes; the default leaves
room for that many times over while still refusing a file nobody meant to feed in.
``FINBOTS_STATEMENT_MAX_BYTES`` sets another limit (plain bytes, or with a KiB/MiB/GiB
suffix).
"""

from __future__ import annotations

import os
import re

from bots.runtime.errors import ConfigError, StatementParseError

ENV_VAR = "FINBOTS_STATEMENT_MAX_BYTES"
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2,
          "mib": 1024**2, "g": 1024**3, "gb": 1024**3, "gib": 1024**3}
_SIZE = re.compile(r"^\s*(\d+)\s*([A-Za-z]*)\s*$")


def max_statement_bytes() -> int:
    """The limit from ``FINBOTS_STATEMENT_MAX_BYTES``, else 512 MiB; ConfigError when unreadable."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    match = _SIZE.match(raw)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS or int(match.group(1)) <= 0:
        raise ConfigError(f"{ENV_VAR}={raw!r} is not a positive size "
                          "(bytes, or a number with KiB, MiB or GiB)")
    return int(match.group(1)) * _UNITS[unit]


def _shown(nbytes: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if nbytes >= size:
            return f"{nbytes / size:.1f} {unit}"
    return f"{nbytes} bytes"


def check_size(nbytes: int, source: str | None) -> None:
    """Refuse a statement of ``nbytes`` over the limit, naming the file and both sizes."""
    limit = max_statement_bytes()
    if nbytes > limit:
        raise StatementParseError(
            f"statement is {_shown(nbytes)}, larger than the limit of {_shown(limit)} "
            f"(set {ENV_VAR} to allow more)", file=source or None)
