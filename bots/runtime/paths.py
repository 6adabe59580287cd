"""Where the runtime finds its folders, under the installation root (``FINBOTS_HOME``).

Each folder can be moved with its own environment variable.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]


def finbots_home() -> Path:
    """The installation root: ``FINBOTS_HOME`` or the folder finbots was installed from."""
    return Path(os.environ.get("FINBOTS_HOME") or _REPO_ROOT).expanduser().resolve()


def _env_path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value) if value else default


def runs_dir() -> Path:
    """Run artifacts: ``FINBOTS_RUNS_DIR`` or ``<home>/runs``."""
    return _env_path("FINBOTS_RUNS_DIR", finbots_home() / "runs")


def selectors_dir() -> Path:
    """Selector YAML files: ``FINBOTS_SELECTORS_DIR`` or the installation's ``selectors/``.

    Selectors ship with the bots (they are data about the target apps), so they do not
    move with ``FINBOTS_HOME``.
    """
    return _env_path("FINBOTS_SELECTORS_DIR", installed_selectors_dir())


def installed_selectors_dir() -> Path:
    """The installation's ``selectors/`` (searched last, after the bots' own folders)."""
    return _REPO_ROOT / "selectors"


def credentials_dir() -> Path:
    """The vault and the master key file: ``<home>/credentials``."""
    return finbots_home() / "credentials"


def private_folder(folder: Path, *, tighten: bool = True) -> Path:
    """``folder``, with the folders above it that did not exist, made readable by this user
    only (0700, whatever the umask says): a run's folder holds bank statements, customers'
    mails and screenshots of their accounts, a quarantine the files refused, the store and
    the keys their secrets. ``tighten``: ``folder`` itself is made 0700 also when it was
    there already (one an older finbots left open); folders above it that were there are
    left as they are."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for part in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            part.mkdir(mode=0o700)
        os.chmod(part, 0o700)
    if tighten and folder not in missing and folder.is_dir() and not folder.is_symlink():
        folder.chmod(0o700)
    return folder


def unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem-N.suffix`` when taken (the folder is created)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = Path(name).name or "file"
    path, n = folder / base, 1
    while path.exists():
        path = folder / f"{Path(base).stem}-{n}{Path(base).suffix}"
        n += 1
    return path
