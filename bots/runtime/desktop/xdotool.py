"""The desktop driver on ``xdotool`` (Debian package ``xdotool``).

Each call is one short ``xdotool`` process (about 5 ms). Text is typed with
``type --file -`` so it reaches xdotool through a pipe, never its command line. The
clipboard goes through ``xclip`` (or ``xsel``); screenshots through Pillow's XCB grab.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from PIL import ImageGrab

from bots.runtime.desktop.driver import Box, DesktopDriver, Window
from bots.runtime.errors import ApplicationFailure, ConfigError

__all__ = ["XdotoolDriver"]

KEY_DELAY_MS = "0"  # X queues the key events in order; the client loses none


class XdotoolDriver(DesktopDriver):
    name = "xdotool"

    def __init__(self, display: str) -> None:
        super().__init__(display)
        xdotool = shutil.which("xdotool")
        if xdotool is None:
            raise ConfigError("xdotool is not installed (Debian package 'xdotool')")
        self._xdotool = xdotool
        self._clip = _clipboard_tool()
        self._env = {**os.environ, "DISPLAY": display}

    def _run(self, *args: str, stdin: str | None = None, check: bool = True,
             timeout: float = 10) -> str:
        try:
            done = subprocess.run([self._xdotool, *args], input=stdin, capture_output=True,
                                  text=True, env=self._env, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ApplicationFailure("DESKTOP_DRIVER", f"xdotool {args[0]} hung") from exc
        if check and done.returncode != 0:
            raise ApplicationFailure("DESKTOP_DRIVER",
                                     f"xdotool {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def windows(self, window_class: str) -> list[Window]:
        # depth 2: a client window is a child of the root or of a window manager's frame
        found = self._run("search", "--maxdepth", "2", "--onlyvisible", "--class",
                          f"^{window_class}$", check=False)
        ids = [int(w) for w in found.split()]
        if not ids:
            return []
        chain: list[str] = []
        for wid in ids:
            chain += ["getwindowname", str(wid)]
        names = self._run(*chain, check=False).splitlines()
        if len(names) != len(ids):  # one closed meanwhile: ask window by window
            names = [self._run("getwindowname", str(w), check=False).strip() for w in ids]
        return [Window(wid, name) for wid, name in zip(ids, names, strict=True)]

    def box(self, window: Window) -> Window:
        geo = _shell(self._run("getwindowgeometry", "--shell", str(window.id)))
        return Window(window.id, window.title,
                      (int(geo["X"]), int(geo["Y"]), int(geo["WIDTH"]), int(geo["HEIGHT"])))

    def focus(self, window: Window) -> None:
        self._run("windowfocus", "--sync", str(window.id), timeout=5)

    def active(self) -> Window | None:
        out = self._run("getwindowfocus", "getwindowname", "getwindowgeometry", "--shell",
                        check=False)
        title, _, rest = out.partition("\n")
        geo = _shell(rest)
        if "WINDOW" not in geo:
            return None
        return Window(int(geo["WINDOW"]), title,
                      (int(geo["X"]), int(geo["Y"]), int(geo["WIDTH"]), int(geo["HEIGHT"])))

    def press(self, chords: Sequence[str]) -> None:
        if chords:
            self._run("key", "--delay", KEY_DELAY_MS, *chords)

    def type_text(self, text: str, keys_before: Sequence[str] = ()) -> None:
        keys = ["key", "--delay", KEY_DELAY_MS, *keys_before] if keys_before else []
        if text:  # type reads the text from stdin; it must be the last command
            self._run(*keys, "type", "--delay", KEY_DELAY_MS, "--file", "-", stdin=text)
        elif keys:
            self._run(*keys)

    def click(self, x: int, y: int) -> None:
        self._run("mousemove", "--sync", str(x), str(y), "click", "1")

    def _clipboard(self, read: bool, text: str = "") -> subprocess.CompletedProcess[bytes]:
        xclip = self._clip.endswith("xclip")
        args = (["-selection", "clipboard", "-o" if read else "-i"] if xclip
                else ["--clipboard", "--output" if read else "--input"])
        try:
            if read:
                return subprocess.run([self._clip, *args], capture_output=True, env=self._env,
                                      timeout=10, check=False)
            # the tool stays in the background to serve the selection until another owner
            # takes it: no pipe of ours may stay open in it
            return subprocess.run([self._clip, *args], input=text.encode(), env=self._env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  timeout=10, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ApplicationFailure("DESKTOP_DRIVER", "the clipboard did not answer") from exc

    def read_clipboard(self) -> str:
        done = self._clipboard(read=True)
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""

    def write_clipboard(self, text: str) -> None:
        if self._clipboard(read=False, text=text).returncode != 0:
            raise ApplicationFailure("DESKTOP_DRIVER", "could not write the clipboard")
        self._await_clipboard(text)

    def screenshot(self, path: Path, box: Box | None = None) -> None:
        bbox = None if box is None else (box[0], box[1], box[0] + box[2], box[1] + box[3])
        ImageGrab.grab(bbox=bbox, xdisplay=self.display).save(path, "PNG", compress_level=1)


def _shell(text: str) -> dict[str, str]:
    """``KEY=value`` lines (``getwindowgeometry --shell``) as a dict."""
    return dict(line.split("=", 1) for line in text.split() if "=" in line)


def _clipboard_tool() -> str:
    for name in ("xclip", "xsel"):
        path = shutil.which(name)
        if path:
            return path
    raise ConfigError("neither xclip nor xsel is installed (Debian package 'xclip')")
