"""New SQLite stores for the tests, copied from one made once per test process.

Making a store's tables, search index and migration stamp in a new file takes 0.05-0.5 s
(more on a busy machine); a copy of a file made that way takes a few milliseconds, and
hundreds of tests start from an empty store. Opening the copy goes through the store's
ordinary checks (a current schema, private file modes).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

from orchestrator.store import Store

__all__ = ["new_sqlite_store"]

_template: list[Path] = []


def _template_file() -> Path:
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="finbots-empty-store-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "empty.db"
        Store(f"sqlite:///{path}").close()  # the last connection folds its -wal into the file
        _template.append(path)
    return _template[0]


def new_sqlite_store(path: Path, **options: Any) -> Store:
    """An empty store in a new SQLite file at ``path`` (its folder made if missing)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_template_file(), path)
    return Store(f"sqlite:///{path}", **options)
