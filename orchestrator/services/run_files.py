"""A run's folder on disk: safe artifact paths, screenshots, and the log read page by page.

A log may hold 100,000 lines or more, so it is never read whole: a page starts at a byte
offset and ends after ``limit`` lines (or after :data:`SCAN_BUDGET` bytes when a level or
text filter skips most lines); the page says where the next one starts.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from fastapi import Request

from bots.runtime.evidence import safe_relative
from orchestrator.config import get_settings

__all__ = ["LEVELS", "LogLine", "LogPage", "artifact_path", "read_log", "run_dir",
           "screenshots", "served_file", "tail_offset"]

LOG_NAME = "bot.log"
TRACE_NAME = "trace.zip"
LEVELS = ("TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL")
SCAN_BUDGET = 4 * 1024 * 1024  # bytes one filtered page may read before it stops
MAX_LINE = 4000  # characters shown of one line
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")


def runs_root(request: Request) -> Path:
    """The runs folder: ``app.state.runs_dir`` when set (tests), else the settings'."""
    root = getattr(request.app.state, "runs_dir", None)
    return Path(root) if root else get_settings().runs_dir


def run_dir(request: Request, run_id: int) -> Path:
    return runs_root(request) / str(run_id)


def artifact_path(folder: Path, relative: str) -> Path | None:
    """``folder/relative`` if it is a file inside ``folder`` (no ``..``, no absolute path,
    no backslash, no symbolic link leading out, ``folder`` itself no link, no second name
    of a file elsewhere); else ``None``."""
    clean = safe_relative(relative)
    if clean is None or folder.is_symlink():
        return None
    try:
        base = folder.resolve()
        candidate = (base / clean).resolve()
        if not candidate.is_relative_to(base) or candidate == base:
            return None
        found = candidate.stat()
    except OSError:  # a name too long for the file system, a folder not there
        return None
    # a file with another name elsewhere (a hard link) may be anything the server can read
    if not stat.S_ISREG(found.st_mode) or found.st_nlink > 1:
        return None
    return candidate


def _store_files(request: Request) -> list[Path]:
    """The app's SQLite store and its side files (none for PostgreSQL or in memory)."""
    store = getattr(request.app.state, "store", None)
    engine = getattr(store, "engine", None)
    database = engine.url.database if engine is not None and \
        engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return []
    db = Path(database)
    return [db, *(db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal"))]


def served_file(request: Request, folder: Path, relative: str) -> Path | None:
    """:func:`artifact_path`, never the store itself (whatever folder it was put in):
    reading it from inside the server would drop the server's own SQLite locks."""
    found = artifact_path(folder, relative)
    if found is None:
        return None
    for store_file in _store_files(request):
        try:
            if os.path.samefile(found, store_file):
                return None
        except OSError:
            continue
    return found


def screenshots(folder: Path) -> list[str]:
    """Image files of the run (relative paths, in name order: steps are numbered)."""
    shots = folder / "screenshots"
    if not shots.is_dir():
        return []
    return sorted(f"screenshots/{p.name}" for p in shots.iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def is_image(relative: str | None) -> bool:
    return bool(relative) and str(relative).lower().endswith(IMAGE_SUFFIXES)


@dataclass(frozen=True, slots=True)
class LogLine:
    number: int | None  # 1-based line number when known
    level: str | None
    text: str


@dataclass(slots=True)
class LogPage:
    offset: int  # where this page started (bytes)
    next_offset: int | None  # where the next page starts; None at the end of the file
    size: int  # the file's size in bytes
    lines: list[LogLine] = field(default_factory=list)
    next_line: int | None = None  # the number of the line at ``next_offset``, if known


def _level_of(line: str) -> str | None:
    """The level of a ``time | LEVEL | where | message`` line; None for a continuation."""
    parts = line.split(" | ", 3)
    if len(parts) >= 3:
        word = parts[1].strip().upper()
        if word in LEVELS:
            return word
    return None


def _aligned(fh: BinaryIO, offset: int) -> int:
    """``offset`` moved forward to the start of a line (0 stays 0)."""
    if offset <= 0:
        return 0
    fh.seek(offset - 1)
    if fh.read(1) == b"\n":
        return offset
    fh.readline()
    return fh.tell()


def read_log(
    path: Path,
    offset: int = 0,
    limit: int = 500,
    *,
    level: str | None = None,
    text: str | None = None,
    first_line: int | None = None,
) -> LogPage:
    """Up to ``limit`` lines from ``offset`` that are at ``level`` or above and contain
    ``text`` (case-insensitive). Lines without a level (tracebacks) take the level of the
    line above them."""
    size = path.stat().st_size if path.is_file() else 0
    page = LogPage(offset=max(0, offset), next_offset=None, size=size)
    if size == 0 or offset >= size:
        return page
    floor = LEVELS.index(level.upper()) if level and level.upper() in LEVELS else None
    needle = text.lower() if text else None
    number = 1 if offset <= 0 else first_line
    current: str | None = None
    with path.open("rb") as fh:
        start = _aligned(fh, offset)
        if start != offset:
            number = None
        page.offset = start
        fh.seek(start)
        while len(page.lines) < limit and fh.tell() - start < SCAN_BUDGET:
            raw = fh.readline()
            if not raw:
                break
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            current = _level_of(line) or current
            keep = (floor is None or (current is not None and LEVELS.index(current) >= floor))
            if keep and needle is not None:
                keep = needle in line.lower()
            if keep:
                page.lines.append(LogLine(number, current, line[:MAX_LINE]))
            number = number + 1 if number is not None else None
        position = fh.tell()
    if position < size:
        page.next_offset, page.next_line = position, number
    return page


def tail_offset(path: Path, lines: int = 500) -> tuple[int, int]:
    """Where the last ``lines`` lines start, and that line's number."""
    size = file_size(path)
    if size == 0:
        return 0, 1
    position, data = size, b""
    with path.open("rb") as fh:
        while position > 0 and data.count(b"\n") <= lines:
            step = min(64 * 1024, position)
            position -= step
            fh.seek(position)
            data = fh.read(step) + data
    end = len(data)
    for _ in range(lines + 1 if data.endswith(b"\n") else lines):
        end = data.rfind(b"\n", 0, end)
        if end < 0:
            break
    cut = position + end + 1 if end >= 0 else position
    return cut, _count_lines(path, cut) + 1


def _count_lines(path: Path, upto: int) -> int:
    """Newlines in the first ``upto`` bytes (about 10 ms for 10 MB)."""
    count, left = 0, upto
    with path.open("rb") as fh:
        while left > 0:
            chunk = fh.read(min(1 << 20, left))
            if not chunk:
                break
            count += chunk.count(b"\n")
            left -= len(chunk)
    return count


def file_size(path: Path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
