"""Where the runtime finds its folders, under the installation root (``FINBOTS_HOME``).

Each folder can be moved with its own environment variable.
"""

from __future__ import annotations

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


def private_folder(folder: Path) -> Path:
    """``folder``, readable by this user only (0700), with the folders above it that did
    not exist made so too: a run's folder holds bank statements, customers' mails and
    screenshots of their accounts, and a quarantine the files refused. Folders that were
    there already above it are left as they are."""
    missing = [folder, *(p for p in folder.parents if not p.exists())]
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkdir's mode passes through the umask, and the folder itself may be one an older
    # finbots left open
    for made in missing:
        if made.is_dir() and not made.is_symlink():
            made.chmod(0o700)
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
