"""Mailboxes on disk: one Maildir per address, written the way a delivery agent does.

``<root>/<address>/Maildir`` holds the INBOX; other folders are Maildir++ sub-folders
(``.Sent``), which is what dovecot's default layout reads. A message is written to
``tmp/`` and then linked into ``new/`` (:meth:`mailbox.Maildir.add`), so the IMAP server
never sees half a message. When the server's processes run as another user (the sandbox
started by root), every directory and file is handed to that user.
"""

from __future__ import annotations

import mailbox
import os
import shutil
import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

from sandbox.mail.accounts import normalise

__all__ = ["INBOX", "MailStore"]

INBOX = "INBOX"
_PARSER = BytesParser(policy=policy.default)


class MailStore:
    """The Maildirs under ``root``; ``owner`` (uid, gid) owns what is written, when set."""

    def __init__(self, root: Path, owner: tuple[int, int] | None = None) -> None:
        self.root = Path(root)
        self.owner = owner
        self._lock = threading.Lock()

    def home(self, address: str) -> Path:
        return self.root / normalise(address)

    def create(self, address: str) -> None:
        """The mailbox of ``address`` with its INBOX and Sent folder (nothing when it exists)."""
        with self._lock:
            self._maildir(address, "Sent")

    def _maildir(self, address: str, folder: str) -> mailbox.Maildir:
        self.root.mkdir(parents=True, exist_ok=True)
        self._own(self.root)
        home = self.home(address)
        fresh = not home.exists()
        home.mkdir(exist_ok=True)
        fresh = fresh or not (home / "Maildir").exists()
        box = mailbox.Maildir(home / "Maildir", factory=None, create=True)
        if folder != INBOX:
            if folder in box.list_folders():
                box = box.get_folder(folder)
            else:
                box = box.add_folder(folder)
                self._own_tree(Path(box._path))
        if fresh:
            self._own_tree(home)
        return box

    def deliver(self, address: str, raw: bytes, folder: str = INBOX) -> str:
        """Store one message in ``folder`` of the mailbox (created when missing); its key."""
        with self._lock:
            box = self._maildir(address, folder)
            key = box.add(raw)
            self._own(Path(box._path) / "new" / key)
            return str(key)

    def addresses(self) -> list[str]:
        """The mailboxes on disk."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "Maildir").is_dir())

    def wipe(self) -> None:
        """Remove every mailbox (reset)."""
        with self._lock:
            if self.root.exists():
                shutil.rmtree(self.root)
            self.root.mkdir(parents=True)
            self._own(self.root)

    def listing(self) -> dict[str, list[dict[str, Any]]]:
        """Every mailbox's messages, folder by folder (the ground truth)."""
        out: dict[str, list[dict[str, Any]]] = {}
        with self._lock:
            for address in self.addresses():
                box = mailbox.Maildir(self.home(address) / "Maildir", factory=None,
                                      create=False)
                rows = _folder_rows(box, INBOX)
                for name in sorted(box.list_folders()):
                    rows += _folder_rows(box.get_folder(name), name)
                out[address] = rows
        return out

    def _own(self, path: Path) -> None:
        if self.owner is not None:
            os.chown(path, *self.owner)

    def _own_tree(self, top: Path) -> None:
        if self.owner is None:
            return
        for dirpath, _, files in os.walk(top):
            os.chown(dirpath, *self.owner)
            for name in files:
                os.chown(os.path.join(dirpath, name), *self.owner)


def _folder_rows(box: mailbox.Maildir, folder: str) -> list[dict[str, Any]]:
    rows = []
    for key in box.iterkeys():
        try:
            flags = box.get_message(key).get_flags()
            msg = _PARSER.parsebytes(box.get_bytes(key))
        except (KeyError, FileNotFoundError):  # moved or expunged meanwhile
            continue
        rows.append({"folder": folder, "seen": "S" in flags, **describe(msg)})
    return sorted(rows, key=lambda r: (r["date"] or "", r["message_id"] or ""))


def _header(msg: EmailMessage, name: str) -> str | None:
    try:
        value = msg.get(name)
    except (ValueError, IndexError, TypeError):  # a header the parser cannot model
        raw = msg.get_all(name, failobj=[None])[0] if hasattr(msg, "get_all") else None
        value = raw
    return None if value is None else str(value)


def describe(msg: EmailMessage) -> dict[str, Any]:
    """What the ground truth shows of one message."""
    date = None
    text = _header(msg, "Date")
    if text:
        try:
            date = parsedate_to_datetime(text).isoformat()
        except (TypeError, ValueError):
            date = None
    return {
        "from": _header(msg, "From"),
        "to": [addr for _, addr in getaddresses([_header(msg, "To") or ""]) if addr],
        "subject": _header(msg, "Subject"),
        "message_id": _header(msg, "Message-ID"),
        "in_reply_to": _header(msg, "In-Reply-To"),
        "date": date,
        "headers": {k: str(v) for k, v in msg.items() if k.lower().startswith("x-")},
        "attachments": [part.get_filename() or "" for part in msg.iter_attachments()],
    }
