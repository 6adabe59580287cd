"""Evidence paths: what a case or a step records about a file, and how it is read back.

A recorded evidence path is always relative to a run's folder (``runs/<run id>/``):

* ``screenshots/0004-failed-post.png`` — a file of the run that recorded it (for a case:
  the case's run);
* ``run:17/screenshots/0002-failed-post.png`` — a file of run 17, for a case that a later
  run worked (the run that carried out a person's decision and failed).

Nothing else is ever served: no absolute path, no ``..``, no backslash. A bot that names a
file outside its run folder (an input file from an inbox folder, a statement another run
downloaded) has it copied into ``evidence/`` of its own run folder, so the case keeps it
even when the original moves.
"""

from __future__ import annotations

import filecmp
import re
import shutil
from pathlib import Path, PurePath, PurePosixPath

from bots.runtime.paths import unique_path

__all__ = ["COPY_LIMIT", "EVIDENCE_DIR", "for_other_run", "parse_entry", "record",
           "safe_relative"]

EVIDENCE_DIR = "evidence"
#: Files larger than this are not copied into the run folder (the case notes nothing).
COPY_LIMIT = 64 * 1024 * 1024
_OTHER_RUN = re.compile(r"run:([1-9][0-9]{0,17})/(.+)", re.DOTALL)


def safe_relative(text: str) -> str | None:
    """``text`` as a clean relative POSIX path inside a folder, or ``None`` when it is
    empty, absolute, has a ``..`` part, a backslash, a drive, or a control character."""
    if not text or any(ord(c) < 32 for c in text) or "\\" in text:
        return None
    path = PurePosixPath(text)
    parts = [p for p in path.parts if p != "."]
    if path.is_absolute() or not parts or ".." in parts or ":" in parts[0]:
        return None
    return "/".join(parts)


def parse_entry(entry: str) -> tuple[int | None, str] | None:
    """``(run id or None for the recording run, relative path)`` of a recorded evidence
    path, or ``None`` when it is not one (see the module's description)."""
    match = _OTHER_RUN.fullmatch(entry or "")
    if match:
        relative = safe_relative(match.group(2))
        return (int(match.group(1)), relative) if relative else None
    relative = safe_relative(entry or "")
    return (None, relative) if relative else None


def for_other_run(entry: str, run_id: int) -> str:
    """``entry`` (recorded by run ``run_id``) as seen from a case of another run."""
    parsed = parse_entry(entry)
    if parsed is None or parsed[0] is not None:
        return entry  # unsafe (never served) or naming its run already
    return f"run:{run_id}/{parsed[1]}"


def record(path: str | PurePath, run_dir: Path) -> str | None:
    """What to record for evidence ``path`` of the run whose folder is ``run_dir``.

    A relative path is taken as relative to the run folder (``None`` if it leaves it); an
    absolute path inside the run folder becomes relative; any other existing file is
    copied into ``evidence/`` of the run folder (once per content). ``None``: nothing can
    be recorded (no such file, too large, a folder).
    """
    text = str(path)
    if not PurePath(text).is_absolute():
        return safe_relative(Path(text).as_posix())
    source = Path(text)
    base = run_dir.resolve()
    try:
        resolved = source.resolve()
    except OSError:
        return None
    if resolved.is_relative_to(base) and resolved != base:
        return safe_relative(resolved.relative_to(base).as_posix())
    if not resolved.is_file() or resolved.stat().st_size > COPY_LIMIT:
        return None
    return _copy_in(resolved, base)


def _copy_in(source: Path, base: Path) -> str:
    folder = base / EVIDENCE_DIR
    same = folder / source.name
    if same.is_file() and filecmp.cmp(source, same, shallow=False):
        return f"{EVIDENCE_DIR}/{same.name}"
    target = unique_path(folder, source.name)
    shutil.copyfile(source, target)
    return f"{EVIDENCE_DIR}/{target.name}"
