"""Linux inotify through the C library: learn that a file was touched without polling it.

:class:`FileTouches` watches the file's folder (the file may not exist yet, or be created
again) for a new file or changed attributes (``os.utime``) under the file's name. Where
inotify is missing (another system, no watches left) it raises ``OSError`` and the caller
looks at the file's modification time instead.
"""

from __future__ import annotations

import ctypes
import os
import select
import struct
from pathlib import Path

__all__ = ["FileTouches"]

_IN_ATTRIB, _IN_MOVED_TO, _IN_CREATE = 0x4, 0x80, 0x100
_IN_NONBLOCK, _IN_CLOEXEC = 0o4000, 0o2000000
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then len bytes of name


class FileTouches:
    """Waits until ``path`` is created or its times are set."""

    def __init__(self, path: Path) -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            init, add = libc.inotify_init1, libc.inotify_add_watch
        except (OSError, AttributeError) as exc:
            raise OSError(f"no inotify here: {exc}") from exc
        fd = init(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        if add(fd, os.fsencode(path.parent), _IN_ATTRIB | _IN_CREATE | _IN_MOVED_TO) < 0:
            errno = ctypes.get_errno()
            os.close(fd)
            raise OSError(errno, f"cannot watch {path.parent}")
        self._fd, self._name = fd, os.fsencode(path.name)
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)

    def wait(self, timeout: float) -> bool:
        """True when the file was touched; False after ``timeout`` seconds without."""
        if not self._poll.poll(max(0, round(timeout * 1000))):
            return False
        try:
            data = os.read(self._fd, 65536)
        except BlockingIOError:
            return False
        touched, at = False, 0
        while at + _EVENT.size <= len(data):
            _wd, _mask, _cookie, length = _EVENT.unpack_from(data, at)
            name = data[at + _EVENT.size:at + _EVENT.size + length].rstrip(b"\0")
            touched = touched or name == self._name
            at += _EVENT.size + length
        return touched

    def close(self) -> None:
        os.close(self._fd)
