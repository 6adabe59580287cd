"""An X display for desktop bots and tests: ``$DISPLAY`` when it answers, else a private
Xvfb (Debian package ``xvfb``) on a free display number.

:func:`ensure_display` is what the runtime calls: the first call of a process starts at
most one Xvfb, sets ``DISPLAY`` for the process (and so for the programs it starts) and
stops it when the process exits. Xvfb picks the free number itself (``-displayfd``) and
is told to end with the process that started it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import shutil
import subprocess
import time

from bots.runtime.desktop.process import die_with_parent
from bots.runtime.errors import ConfigError

__all__ = ["Xvfb", "display_answers", "ensure_display", "stop_display"]

SCREEN = "1280x800x24"


def display_answers(name: str | None) -> bool:
    """Whether an X server accepts connections on display ``name``."""
    if not name:
        return False
    from Xlib import display, error

    try:
        conn = display.Display(name)
    except (error.DisplayError, OSError, ValueError):
        return False
    conn.close()
    return True


class Xvfb:
    """One Xvfb server; :meth:`start` returns its display name (``":N"``)."""

    def __init__(self, screen: str = SCREEN) -> None:
        self.screen = screen
        self.proc: subprocess.Popen[bytes] | None = None
        self.display: str | None = None

    def start(self, timeout_s: float = 15.0) -> str:
        binary = shutil.which("Xvfb")
        if binary is None:
            raise ConfigError("no X display: $DISPLAY is not set and Xvfb is not installed "
                              "(Debian package 'xvfb')")
        read_fd, write_fd = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [binary, "-displayfd", str(write_fd), "-screen", "0", self.screen,
                 "-nolisten", "tcp", "-noreset"],
                pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
        finally:
            os.close(write_fd)
        try:
            number = _read_number(read_fd, timeout_s)
        finally:
            os.close(read_fd)
        if number is None or self.proc.poll() is not None:
            self.stop()
            raise ConfigError("Xvfb did not start")
        self.display = f":{number}"
        deadline = time.monotonic() + timeout_s
        while not display_answers(self.display):
            if time.monotonic() > deadline:
                self.stop()
                raise ConfigError(f"Xvfb on {self.display} does not answer")
            time.sleep(0.02)
        return self.display

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def _read_number(fd: int, timeout_s: float) -> int | None:
    data = b""
    deadline = time.monotonic() + timeout_s
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 64)
        if not chunk:
            break
        data += chunk
    text = data.decode().strip()
    return int(text) if text.isdigit() else None


class _Process:
    xvfb: Xvfb | None = None


def ensure_display() -> str:
    """The display name to use: ``$DISPLAY`` when it answers, else a started Xvfb."""
    current = os.environ.get("DISPLAY")
    if display_answers(current):
        assert current is not None
        return current
    server = Xvfb()
    name = server.start()
    _Process.xvfb = server
    os.environ["DISPLAY"] = name
    atexit.register(stop_display)
    return name


def stop_display() -> None:
    """Stop the Xvfb :func:`ensure_display` started (no-op when it used $DISPLAY)."""
    server, _Process.xvfb = _Process.xvfb, None
    if server is not None:
        with contextlib.suppress(OSError):
            server.stop()
        if os.environ.get("DISPLAY") == server.display:
            del os.environ["DISPLAY"]
