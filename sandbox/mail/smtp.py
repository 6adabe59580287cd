"""The sandbox's SMTP server (aiosmtpd): the finance account sends, mailboxes receive.

Only the finance account may send, after ``AUTH PLAIN``/``LOGIN`` (in plain text: the
server listens on loopback, the sandbox has no TLS), and only as itself. Mail is accepted
for the sandbox's domains (Northwind's and the customers'); anything else is relaying and
refused. A customer mailbox that does not exist yet is created on delivery (the customers'
domain plays the outside world); at Northwind's domain only known mailboxes receive mail.
A message over the size limit is refused (the limit is announced in ``EHLO`` as ``SIZE``).
Each accepted message is delivered into each recipient's INBOX and, when the finance
account sent it, into its ``Sent`` folder (a bot looks there for what it already sent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from sandbox.mail.accounts import (
    CUSTOMER_DOMAIN,
    DOMAINS,
    FINANCE_MAILBOX,
    InvalidAddressError,
    normalise,
    password_for,
)

__all__ = ["DEFAULT_MAX_MESSAGE_BYTES", "SmtpServer"]

DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024
logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's per-session chatter
MAX_RECIPIENTS = 100
#: who may sign on to send
SENDERS = (FINANCE_MAILBOX,)

Deliver = Callable[[str, bytes, str], None]  # (address, raw message, folder)


class _Handler:
    def __init__(self, deliver: Deliver, known: Callable[[str], bool]) -> None:
        self.deliver, self.known = deliver, known

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        if not session.authenticated:  # checked here: aiosmtpd warns of AUTH without TLS
            return "530 5.7.0 Authentication required"
        login = _login(session)
        try:
            sender = normalise(address)
        except InvalidAddressError:
            return "553 5.1.7 sender address not accepted"
        if sender != login:
            return "553 5.7.1 sender address is not the signed-on account"
        envelope.mail_from = sender
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        try:
            rcpt = normalise(address)
        except InvalidAddressError:
            return "553 5.1.3 recipient address not accepted"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 too many recipients"
        domain = rcpt.rpartition("@")[2]
        if domain not in DOMAINS:
            return "550 5.7.1 relaying denied"
        if domain != CUSTOMER_DOMAIN and not self.known(rcpt):
            return f"550 5.1.1 <{rcpt}>: no such mailbox"
        envelope.rcpt_tos.append(rcpt)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        trace = (f"Return-Path: <{envelope.mail_from}>\r\n"
                 f"Received: from {session.host_name or 'unknown'} by finbots-sandbox-mail "
                 f"with ESMTPA; {formatdate(usegmt=True)}\r\n").encode()
        for rcpt in envelope.rcpt_tos:
            self.deliver(rcpt, trace + raw, "INBOX")
        if envelope.mail_from in SENDERS:
            self.deliver(envelope.mail_from or "", raw, "Sent")
        return "250 2.0.0 message accepted for delivery"


def _login(session: Session) -> str | None:
    data = session.auth_data
    if isinstance(data, LoginPassword):
        return data.login.decode(errors="replace").lower()
    return None


def _authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                  auth_data: Any) -> AuthResult:
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    login = auth_data.login.decode(errors="replace").lower()
    ok = login in SENDERS and auth_data.password.decode(errors="replace") == password_for(login)
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class SmtpServer:
    """The SMTP server on ``host:port`` in a thread of its own (start/stop repeatable)."""

    def __init__(self, host: str, port: int, deliver: Deliver, known: Callable[[str], bool],
                 max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.host, self.port, self.max_message_bytes = host, port, max_message_bytes
        self._handler = _Handler(deliver, known)
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        controller = Controller(
            self._handler, hostname=self.host, port=self.port, ready_timeout=30,
            server_hostname="mail.northwind.example", data_size_limit=self.max_message_bytes,
            auth_require_tls=False, authenticator=_authenticate,
            ident="finbots sandbox mail", decode_data=False)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
