"""A mailbox in memory, for bot unit tests: what ``ctx.mail(name)`` returns when the run's
backend has one registered under that name (:meth:`MemoryMailboxes.add_mailbox`).

It behaves like :class:`~bots.runtime.mail.Mailbox` where a bot can tell: messages are
composed and parsed by the same code, what is sent lands in ``Sent`` (and in
:attr:`MemoryMailbox.outbox`, as sent), UIDs grow per folder, reading does not mark seen,
``move`` creates the target folder. ``deliver`` puts a message into a folder (a customer's
reply); ``unavailable_for`` makes the next calls fail as an outage that outlasted the
retries (``MAIL_UNAVAILABLE``).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from email.message import EmailMessage

from bots.runtime.errors import ApplicationFailure, BusinessFailure
from bots.runtime.mail_message import MailMessage, compose, parse_message

__all__ = ["MemoryMailbox", "MemoryMailboxes"]


class MemoryMailbox:
    """One mailbox held in memory (thread-safe)."""

    def __init__(self, address: str, *, sent_folder: str = "Sent") -> None:
        self.address = address
        self.sent_folder = sent_folder
        self.folders: dict[str, list[MailMessage]] = {"INBOX": [], sent_folder: []}
        self.outbox: list[EmailMessage] = []  # every message sent, as sent
        self._raw: dict[tuple[str, str], bytes] = {}  # (folder, uid) -> the bytes delivered
        self._next_uid: dict[str, int] = {}
        self._failures = 0
        self._lock = threading.Lock()

    def deliver(self, message: EmailMessage | bytes, folder: str = "INBOX", *,
                seen: bool = False) -> MailMessage:
        """Put a message into ``folder`` (as a mail server delivering it would)."""
        raw = message if isinstance(message, bytes) else message.as_bytes()
        with self._lock:
            uid = self._next_uid.get(folder, 1)
            self._next_uid[folder] = uid + 1
            stored = parse_message(raw, uid=str(uid), folder=folder, seen=seen,
                                   internal_date=dt.datetime.now(dt.UTC))
            self.folders.setdefault(folder, []).append(stored)
            self._raw[(folder, str(uid))] = raw
            return stored

    def unavailable_for(self, calls: int) -> None:
        """The next ``calls`` calls fail as if the server stayed unreachable."""
        self._failures = calls

    def _reachable(self) -> None:
        with self._lock:
            if self._failures > 0:
                self._failures -= 1
                raise ApplicationFailure("MAIL_UNAVAILABLE",
                                         f"{self.address}: mail server not reachable")

    def send(self, to: str | Iterable[str], subject: str, text: str, *,
             html: str | None = None,
             attachments: Sequence[tuple[str, bytes, str]] | None = None,
             reference: str | None = None, in_reply_to: str | None = None) -> str:
        self._reachable()
        msg = compose(self.address, to, subject, text, html=html, attachments=attachments,
                      reference=reference, in_reply_to=in_reply_to)
        self.outbox.append(msg)
        self.deliver(msg, self.sent_folder, seen=True)
        return str(msg["Message-ID"])

    def messages(self, folder: str = "INBOX", *, unseen_only: bool = False,
                 since: dt.datetime | None = None) -> list[MailMessage]:
        self._reachable()
        if since is not None and since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        with self._lock:
            found = list(self.folders.get(folder, []))
        return [m for m in found if not (unseen_only and m.seen)
                and (since is None or m.date is None or m.date >= since)]

    def _take(self, uid: str, folder: str) -> MailMessage:
        for index, msg in enumerate(self.folders.get(folder, [])):
            if msg.uid == str(uid):
                return self.folders[folder].pop(index)
        raise BusinessFailure("MAIL_NO_MESSAGE", f"no message {uid} in {folder}")

    def move(self, uid: str, folder: str, *, from_folder: str = "INBOX") -> None:
        self._reachable()
        with self._lock:
            msg = self._take(uid, from_folder)
            new_uid = self._next_uid.get(folder, 1)
            self._next_uid[folder] = new_uid + 1
            self.folders.setdefault(folder, []).append(
                replace(msg, uid=str(new_uid), folder=folder))
            self._raw[(folder, str(new_uid))] = self._raw.pop((from_folder, str(uid)), b"")

    def mark_seen(self, uid: str, *, folder: str = "INBOX") -> None:
        self._reachable()
        with self._lock:
            box = self.folders.get(folder, [])
            for index, msg in enumerate(box):
                if msg.uid == str(uid):
                    box[index] = replace(msg, seen=True)
                    return
        raise BusinessFailure("MAIL_NO_MESSAGE", f"no message {uid} in {folder}")

    def raw(self, uid: str, *, folder: str = "INBOX") -> bytes:
        self._reachable()
        with self._lock:
            found = self._raw.get((folder, str(uid)))
        if found is None:
            raise BusinessFailure("MAIL_NO_MESSAGE", f"no message {uid} in {folder}")
        return found

    def sent_with_reference(self, reference: str) -> MailMessage | None:
        self._reachable()
        with self._lock:
            found = [m for m in self.folders.get(self.sent_folder, [])
                     if m.reference == reference]
        return found[-1] if found else None


class MemoryMailboxes:
    """Mixed into the in-memory backend: fake mailboxes by credential name."""

    def add_mailbox(self, name: str, address: str) -> MemoryMailbox:
        """Register the mailbox ``ctx.mail(name)`` returns in runs on this backend."""
        box = MemoryMailbox(address)
        self._mailboxes()[name] = box
        return box

    def mailbox(self, name: str) -> MemoryMailbox | None:
        """The fake registered under ``name``, or None (then the run uses the real one)."""
        return self._mailboxes().get(name)

    def _mailboxes(self) -> dict[str, MemoryMailbox]:
        boxes: dict[str, MemoryMailbox] | None = getattr(self, "_fake_mailboxes", None)
        if boxes is None:
            boxes = {}
            self._fake_mailboxes = boxes
        return boxes
