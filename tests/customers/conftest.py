"""The customer tests share the web harness (one live server per test process)."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE, _WEB = (str(Path(__file__).resolve().parent),
               str(Path(__file__).resolve().parents[1] / "web"))
for folder in (_HERE, _WEB):
    if folder not in sys.path:
        sys.path.insert(0, folder)

from webharness import api, live_server, page, page_as, users  # noqa: E402,F401
