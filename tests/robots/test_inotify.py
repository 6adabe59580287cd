"""The wake-up file watch: the kernel says when the file is created or touched, and only
that file counts."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from orchestrator.robots.inotify import FileTouches

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify: Linux")


def test_creating_and_touching_the_file_is_seen_other_files_are_not(tmp_path: Path) -> None:
    path = tmp_path / "store.db-jobs"
    touches = FileTouches(path)
    try:
        assert touches.wait(0.05) is False  # nothing happened
        (tmp_path / "store.db-wal").write_bytes(b"x")
        os.utime(tmp_path / "store.db-wal")
        assert touches.wait(0.2) is False  # another file of the folder
        path.touch()
        assert touches.wait(5) is True  # created
        os.utime(path, ns=(1, 1))
        assert touches.wait(5) is True  # its times set, as the store does for a new job
    finally:
        touches.close()


def test_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        FileTouches(tmp_path / "missing" / "store.db-jobs")
