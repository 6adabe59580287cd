"""Desktop automation: thick-client applications on an X display, driven the way a person
drives them (window titles, key paths, the clipboard; OCR and coordinates last).

``desktop_session(ctx, app)`` gives a :class:`DesktopSession` for a run; the driver
interface is :class:`DesktopDriver` (``driver`` module) with the xdotool and RPA.Desktop
implementations; :func:`ensure_display` provides an X display (Xvfb when none answers).
"""

from bots.runtime.desktop.display import Xvfb, ensure_display, stop_display
from bots.runtime.desktop.driver import DesktopDriver, Window
from bots.runtime.desktop.factory import desktop_session, make_driver
from bots.runtime.desktop.selectors import DesktopSelectors, load_desktop_selectors
from bots.runtime.desktop.session import DesktopSession

__all__ = [
    "DesktopDriver",
    "DesktopSelectors",
    "DesktopSession",
    "Window",
    "Xvfb",
    "desktop_session",
    "ensure_display",
    "load_desktop_selectors",
    "make_driver",
    "stop_display",
]
