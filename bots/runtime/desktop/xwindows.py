"""Top-level windows through python-xlib: list by class, title, box, focus.

For drivers whose input library has no window calls on Linux (``RPA.Desktop``). Works
with and without a window manager: a client window is a child of the root window, or
of the frame a window manager put around it.
"""

from __future__ import annotations

import time
from typing import Any

from Xlib import X, Xatom, display, error

from bots.runtime.desktop.driver import Window
from bots.runtime.errors import ApplicationFailure

__all__ = ["XWindows"]


class XWindows:
    def __init__(self, name: str) -> None:
        self.conn = display.Display(name)
        self.root = self.conn.screen().root
        self._net_wm_name = self.conn.intern_atom("_NET_WM_NAME")
        self._utf8 = self.conn.intern_atom("UTF8_STRING")

    def close(self) -> None:
        self.conn.close()

    def _title(self, win: Any) -> str:
        prop = win.get_full_property(self._net_wm_name, self._utf8)
        if prop is not None:
            value = prop.value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        name = win.get_full_property(Xatom.WM_NAME, X.AnyPropertyType)
        if name is not None:
            value = name.value
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
        return ""

    def _clients(self, win: Any, depth: int) -> list[Any]:
        out = []
        for child in win.query_tree().children:
            try:
                if child.get_attributes().map_state != X.IsViewable:
                    continue
                if child.get_wm_class() is not None:
                    out.append(child)
                elif depth > 0:
                    out.extend(self._clients(child, depth - 1))
            except error.BadWindow:  # closed meanwhile
                continue
        return out

    def list(self, window_class: str) -> list[Window]:
        """Viewable client windows of ``window_class`` (any case, as xdotool matches)."""
        found = []
        for win in self._clients(self.root, 1):
            try:
                wm_class = win.get_wm_class()
                if wm_class is not None and wm_class[1].lower() == window_class.lower():
                    found.append(Window(win.id, self._title(win)))
            except error.BadWindow:
                continue
        return found

    def box(self, window: Window) -> Window:
        win = self.conn.create_resource_object("window", window.id)
        try:
            geo = win.get_geometry()
            pos = win.translate_coords(self.root, 0, 0)
        except error.BadWindow as exc:
            raise ApplicationFailure("DESKTOP_DRIVER", f"window {window.title!r} is gone") \
                from exc
        return Window(window.id, window.title, (-pos.x, -pos.y, geo.width, geo.height))

    def focus(self, window: Window, timeout_s: float = 5.0) -> None:
        win = self.conn.create_resource_object("window", window.id)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                win.set_input_focus(X.RevertToParent, X.CurrentTime)
                self.conn.sync()
            except error.XError as exc:
                raise ApplicationFailure("DESKTOP_DRIVER", f"cannot focus {window.title!r}") \
                    from exc
            if self._focused() == window.id:
                return
            if time.monotonic() > deadline:
                raise ApplicationFailure("DESKTOP_DRIVER", f"{window.title!r} takes no focus")
            time.sleep(0.01)

    def active(self) -> Window | None:
        """The top-level client window holding the focus, with title and box."""
        wid = self._focused()
        if wid is None:
            return None
        win = self.conn.create_resource_object("window", wid)
        return self.box(Window(wid, self._title(win)))

    def _focused(self) -> int | None:
        """The top-level client window holding the focus (a child of it may hold it)."""
        win = self.conn.get_input_focus().focus
        while not isinstance(win, int) and win is not None and win.id != self.root.id:
            try:
                if win.get_wm_class() is not None:
                    return int(win.id)
                win = win.query_tree().parent
            except error.BadWindow:
                return None
        return None
