"""The SQLite store's files on disk: readable by finbots' user only, never in a served folder.

The database holds password hashes, token hashes and the audit trail: its file and the
``-wal`` and ``-shm`` files SQLite makes beside it are mode 0600 (SQLite gives its side
files the database file's mode), in a folder finbots makes with mode 0700.

The default store lived in ``runs/`` (the folder of run artifacts, which the web UI serves
files from) before it moved to ``data/``: :func:`move_old_store` moves it once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from loguru import logger

from bots.runtime.paths import private_folder

__all__ = ["SIDE_FILES", "move_old_store", "private_sqlite_file"]

#: What SQLite keeps beside a database in WAL mode.
SIDE_FILES = ("-wal", "-shm")
FILE_MODE = 0o600


def _files(db: Path) -> list[Path]:
    return [db, *(db.with_name(db.name + suffix) for suffix in SIDE_FILES)]


def private_sqlite_file(db: Path) -> None:
    """Before SQLite opens ``db``: its folder exists, the file exists with mode 0600, and
    its side files, if any, are 0600 too (an older finbots made them 0644).

    An existing database file is never opened here: closing any descriptor of it would
    drop every lock this process's SQLite connections hold on it (POSIX locks belong to
    the process), and a CLI command closing its own connection meanwhile would then take
    itself for the last one and delete the write-ahead log under the server's feet."""
    private_folder(db.parent, tighten=False)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(db, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for path in _files(db):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if stat.st_mode & 0o777 != FILE_MODE and stat.st_uid == os.geteuid():
            os.chmod(path, FILE_MODE)


def move_old_store(old: Path, new: Path) -> bool:
    """Move the store at ``old`` (with its side files) to ``new`` when ``new`` does not
    exist yet; True when it moved. The side files go first and the database last, so a
    move cut short is finished by the next call and never leaves the database without its
    write-ahead log."""
    if new.exists() or not old.is_file():
        return False
    private_folder(new.parent, tighten=False)
    for suffix in (*SIDE_FILES, ""):
        source = old.with_name(old.name + suffix)
        with contextlib.suppress(FileNotFoundError):  # another process moved it first
            shutil.move(source, new.with_name(new.name + suffix))
    logger.warning("the store moved from {} to {} (the runs folder is served, the store "
                   "must not be in it)", old, new)
    return True
