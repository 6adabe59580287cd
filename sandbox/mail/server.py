"""The sandbox mail server as one thing: dovecot (IMAP) + aiosmtpd (SMTP) over one set of
Maildirs, seeded from the scenario, with ground truth and an outage knob.

``<mail dir>/boxes/<address>/Maildir`` are the mailboxes; dovecot's configuration, passwd
file, state and log sit beside them in ``<mail dir>``.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

from sandbox.mail.accounts import mailboxes, normalise
from sandbox.mail.addresses import FINANCE_MAILBOX
from sandbox.mail.dovecot import Dovecot, process_users
from sandbox.mail.maildir import INBOX, MailStore
from sandbox.mail.remittances import seeded_inbox
from sandbox.mail.smtp import DEFAULT_MAX_MESSAGE_BYTES, SmtpServer
from sandbox.scenario import Scenario

__all__ = ["DEFAULT_IMAP_PORT", "DEFAULT_SMTP_PORT", "MAX_OUTAGE_SECONDS", "MailServer",
           "mailbox_listing"]

DEFAULT_SMTP_PORT = 8025
DEFAULT_IMAP_PORT = 8143
MAX_OUTAGE_SECONDS = 600


def mailbox_listing(mail_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every mailbox's messages under a mail directory (the ground truth without a server
    or HTTP: folder, from, to, subject, Message-ID, X-* headers, attachment names, seen)."""
    return MailStore(Path(mail_dir) / "boxes").listing()


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class MailServer:
    """SMTP and IMAP on ``host`` for the scenario's mailboxes under ``mail_dir``."""

    def __init__(self, mail_dir: Path, scenario: Scenario, *, host: str = "127.0.0.1",
                 smtp_port: int = DEFAULT_SMTP_PORT, imap_port: int = DEFAULT_IMAP_PORT,
                 max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        # 0: a free port, picked just before the server binds it
        smtp_port, imap_port = smtp_port or _free_port(host), imap_port or _free_port(host)
        self.mail_dir = Path(mail_dir)
        self.scenario = scenario
        self.host = host
        users = process_users()
        self.store = MailStore(self.mail_dir / "boxes", users.owner)
        self.dovecot = Dovecot(self.mail_dir, self.store.root, host, imap_port, users)
        self.smtp = SmtpServer(host, smtp_port, self._deliver, self._known, max_message_bytes)
        self._accounts: list[str] = []
        self._lock = threading.RLock()
        self._outage_timer: threading.Timer | None = None
        self._outage_until = 0.0

    @property
    def smtp_port(self) -> int:
        return self.smtp.port

    @property
    def imap_port(self) -> int:
        return self.dovecot.port

    # -- life cycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Seed the mailboxes and start both servers."""
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self.reset()
        with self._lock:
            self._start_servers()

    def _start_servers(self) -> None:
        self.dovecot.start()
        try:
            self.smtp.start()
        except BaseException:
            self.dovecot.stop()
            raise

    def stop(self) -> None:
        with self._lock:
            self._cancel_outage()
            self.smtp.stop()
            self.dovecot.stop()

    def reset(self) -> None:
        """Empty every mailbox and seed them again (the outage knob is left as it is)."""
        with self._lock:
            self._accounts = mailboxes(self.scenario)
            self.store.wipe()
            self.dovecot.write_passwd(self._accounts)
            # a customer's Maildir is made by its first mail or sign-on (thousands of
            # customers in a volume scenario)
            self.store.create(FINANCE_MAILBOX)
            for msg in seeded_inbox(self.scenario):
                self.store.deliver(FINANCE_MAILBOX, msg.as_bytes(), INBOX)

    # -- delivery -------------------------------------------------------------------------
    def _known(self, address: str) -> bool:
        return normalise(address) in self._accounts

    def _deliver(self, address: str, raw: bytes, folder: str) -> None:
        with self._lock:
            if not self._known(address):  # a customer's mailbox created on first mail
                self._accounts.append(normalise(address))
                self.dovecot.write_passwd(self._accounts)
                self.dovecot.settle_passwd()
        self.store.deliver(address, raw, folder)

    # -- fault knob -----------------------------------------------------------------------
    def outage(self, seconds: float) -> None:
        """Refuse every SMTP and IMAP connection for ``seconds`` (0 ends an outage now)."""
        seconds = max(0.0, min(float(seconds), MAX_OUTAGE_SECONDS))
        with self._lock:
            self._cancel_outage()
            if seconds <= 0:
                if not (self.smtp.running and self.dovecot.running):
                    self._restore()
                return
            self.smtp.stop()
            self.dovecot.stop()
            self._outage_until = time.monotonic() + seconds
            self._outage_timer = threading.Timer(seconds, self._restore)
            self._outage_timer.daemon = True
            self._outage_timer.start()

    def outage_left(self) -> float:
        """Seconds the current outage still lasts (0.0 when none)."""
        return round(max(0.0, self._outage_until - time.monotonic()), 1) \
            if self._outage_timer is not None else 0.0

    def _cancel_outage(self) -> None:
        if self._outage_timer is not None:
            self._outage_timer.cancel()
            self._outage_timer = None
        self._outage_until = 0.0

    def _restore(self) -> None:
        with self._lock:
            self._outage_timer, self._outage_until = None, 0.0
            if not self.dovecot.running:
                self.dovecot.start()
            self.smtp.start()

    # -- ground truth ---------------------------------------------------------------------
    def truth(self) -> dict[str, Any]:
        """Every mailbox's messages, the counts per folder, and where the servers listen."""
        boxes = self.store.listing()
        counts: dict[str, dict[str, int]] = {}
        for address, rows in boxes.items():
            per = counts[address] = {INBOX: 0}
            for row in rows:
                per[row["folder"]] = per.get(row["folder"], 0) + 1
        return {"host": self.host, "smtp_port": self.smtp_port, "imap_port": self.imap_port,
                "outage_s": self.outage_left(), "mailboxes": boxes, "counts": counts}
