"""A small Tk window for the desktop driver tests: ``python probe_app.py``.

Title ``Probe - Ready``. Fields at fixed places: Name (Alt+N) and Secret (Alt+S, masked);
a button that sets the title to ``Probe - clicked``. F5 sets the title to
``Probe - <name>``; F7 opens the modal dialog ``Probe Error`` (Return or Escape closes it,
Ctrl+C copies its text, Ctrl+Return closes it after 300 ms and sets the title to
``Probe - Done``, as a slow application answers a confirmation); F8 shows
``Probe - busy`` for 400 ms, then ``Probe - Done``.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

CLASS = "FinbotsProbe"


def _select_all(event: tk.Event) -> str:
    event.widget.selection_range(0, "end")
    event.widget.icursor("end")
    return "break"


def _dialog(root: tk.Tk) -> None:
    top = tk.Toplevel(root, class_=CLASS, borderwidth=2, relief="raised")
    top.title("Probe Error")
    top.geometry("+120+90")
    ttk.Label(top, text="Something went wrong.", padding=16).pack()

    def close(event: tk.Event | None = None) -> None:
        top.destroy()
        root.focus_force()

    def copy(event: tk.Event) -> str:
        top.clipboard_clear()
        top.clipboard_append("[Probe Error]\n---\nSomething went wrong.\n---\nOK")
        return "break"

    def slow_yes(event: tk.Event) -> None:
        def answered() -> None:
            close()
            root.title("Probe - Done")
        root.after(300, answered)

    for key in ("<Return>", "<Escape>"):
        top.bind(key, close)
    top.bind("<Control-Return>", slow_yes)
    top.bind("<Control-c>", copy)
    top.wait_visibility()
    top.grab_set()
    top.focus_force()


def main() -> None:
    root = tk.Tk(className=CLASS)
    root.title("Probe - Ready")
    root.geometry("420x200+40+40")
    root.bind_class("TEntry", "<Control-a>", _select_all)
    ttk.Label(root, text="Name", underline=0).place(x=10, y=22)
    name = ttk.Entry(root)
    name.place(x=100, y=20, width=200, height=24)
    ttk.Label(root, text="Secret", underline=0).place(x=10, y=62)
    secret = ttk.Entry(root, show="*")
    secret.place(x=100, y=60, width=200, height=24)
    ttk.Button(root, text="Press me", command=lambda: root.title("Probe - clicked")).place(
        x=100, y=100, width=120, height=30)
    root.bind("<Alt-n>", lambda e: name.focus_set())
    root.bind("<Alt-s>", lambda e: secret.focus_set())
    root.bind("<F5>", lambda e: root.title(f"Probe - {name.get()}"))
    root.bind("<F7>", lambda e: _dialog(root))

    def busy(event: tk.Event) -> None:
        root.title("Probe - busy")
        root.after(400, lambda: root.title("Probe - Done"))

    root.bind("<F8>", busy)
    name.focus_force()
    root.mainloop()


if __name__ == "__main__":
    main()
