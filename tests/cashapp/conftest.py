"""Cash-application tests: the builders of :mod:`matching_helpers` import by module name
(``tests`` is not a package)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
