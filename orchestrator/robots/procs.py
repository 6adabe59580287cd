"""Process helpers: die with the parent, signal a process group without races."""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
import time

__all__ = ["exit_with_parent", "signal_group"]

_PR_SET_PDEATHSIG = 1


def exit_with_parent(sig: int, parent_pid: int, *, group: bool = False) -> None:
    """Get ``sig`` when process ``parent_pid`` ends, even when it is SIGKILLed.

    Linux delivers ``sig`` when the parent exits (``PR_SET_PDEATHSIG``); a watcher thread
    also checks every half second that ``parent_pid`` is still there (the real parent may be
    a fork server, and other systems have no ``prctl``). ``group=True``: the watcher sends
    ``sig`` to this process's whole group (a browser the bot started, too).
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)

    def watch() -> None:
        while True:
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
            time.sleep(0.5)
        if group:
            signal_group(os.getpid(), sig)
        os.kill(os.getpid(), sig)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def signal_group(pid: int, sig: int) -> bool:
    """Send ``sig`` to the process group led by ``pid`` (or to ``pid`` alone when it leads
    none); ``False`` when nothing was there to signal."""
    try:
        os.killpg(pid, sig)
        return True
    except ProcessLookupError:
        pass
    except PermissionError:
        return False
    try:
        os.kill(pid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False
