"""Fixtures for web UI and API tests: a live orchestrator, users per role, pages, API clients.

They live in ``tests/web/webharness.py`` (a plain module: the name ``tests`` is taken by an
installed package, so ``tests.web`` cannot be imported). Another folder uses them with::

    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
    from webharness import api, live_server, page, page_as, users  # noqa: E402,F401

and ``from webharness import PASSWORD, login`` in its tests. Every folder then shares the
one server of the test process.

* ``live_server`` — :class:`webharness.LiveServer` (``.url``, ``.store``, ``.runs``).
* ``users`` — one user per role (username = role name, password ``webharness.PASSWORD``).
* ``page`` — a fresh Chromium page (new context, 1280x800, ``base_url`` = the server), not
  signed in: ``login(page, "support")``.
* ``page_as("support")`` — a fresh page already signed in (the sign-in is done once per role
  and its cookies reused).
* ``api("operator")`` — a ``TestClient`` on the real app sending that role's bearer token.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from webharness import api, live_server, page, page_as, users  # noqa: E402,F401
