"""The mail server as a sandbox target: ``create_app`` starts it and returns its control app.

The control app answers the machine endpoints every target has (``/_sandbox/health``,
``/truth``, ``/reset``, ``/faults``, see :mod:`sandbox.faults`); the mail itself is SMTP and
IMAP on their own ports (``GET /_sandbox/ports`` and ``truth`` name them). Its fault knob
``outage_s``: the server refuses SMTP and IMAP connections for that many seconds (``0``
ends an outage).
``app.state.close`` stops the servers (the launcher calls it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.faults import Faults, install_sandbox_routes
from sandbox.mail.server import DEFAULT_IMAP_PORT, DEFAULT_SMTP_PORT, MailServer
from sandbox.scenario import Scenario, build_scenario

__all__ = ["MailFaults", "create_app"]


class MailFaults(Faults):
    """The common knobs (they only touch the control app) plus the mail outage."""

    def __init__(self, server: MailServer) -> None:
        super().__init__()
        self._server = server

    def update(self, changes: dict[str, Any]) -> None:
        outage = None
        if "outage_s" in changes:
            try:
                outage = float(changes["outage_s"] or 0)
            except (TypeError, ValueError):
                given = changes["outage_s"]
                raise ValueError(f"outage_s: seconds expected, not {given!r}") from None
            if outage < 0:
                raise ValueError(f"outage_s: seconds expected, not {outage}")
        super().update(changes)
        if outage is not None:
            self._server.outage(outage)
        elif changes.get("clear"):
            self._server.outage(0)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "outage_s": self._server.outage_left()}


def create_app(mail_dir: Path, scenario: Scenario | None = None, *, host: str = "127.0.0.1",
               smtp_port: int = DEFAULT_SMTP_PORT, imap_port: int = DEFAULT_IMAP_PORT,
               max_message_bytes: int | None = None) -> Starlette:
    """Seed the mailboxes, start SMTP and IMAP, and return the control app."""
    extra = {} if max_message_bytes is None else {"max_message_bytes": max_message_bytes}
    server = MailServer(Path(mail_dir), scenario or build_scenario(), host=host,
                        smtp_port=smtp_port, imap_port=imap_port, **extra)
    server.start()
    app = Starlette()
    app.state.mail = server
    app.state.close = server.stop
    async def ports(request: Request) -> JSONResponse:
        return JSONResponse({"host": server.host, "smtp_port": server.smtp_port,
                             "imap_port": server.imap_port})

    app.add_route("/_sandbox/ports", ports, methods=["GET"], include_in_schema=False)
    def reset(extra_exact: int) -> None:
        server.scenario = build_scenario(extra_exact)  # its customers' mailboxes
        server.reset()

    install_sandbox_routes(app, name="sandbox_mail", reset=reset,
                           truth=server.truth, faults=MailFaults(server))
    return app
