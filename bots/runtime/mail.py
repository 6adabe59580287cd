"""A mailbox for bots: send with SMTP, read with IMAP, every call a recorded step.

A bot gets one from its run context, ``ctx.mail("mail/finance")``: the vault credential
holds ``host``, ``smtp_port``, ``imap_port``, ``username`` (the mailbox's address) and
``password``; optional fields: ``security`` (``none``: plain connections, only sensible on
loopback as in the sandbox; ``starttls``; ``ssl``; default ``none`` on a loopback host,
else ``ssl``), ``sent_folder`` (default ``Sent``), ``append_sent`` (``yes``: the client saves
what it sent into the Sent folder itself; servers that already do, like the sandbox's, need
``no``, the default). Only the password is treated as a secret (never in a step or a log);
host, ports and address are shown.

Why the standard library (smtplib, imaplib, email) and not rpaframework's
``RPA.Email.ImapSmtp``: that library attaches files by path only, cannot set the custom
header a bot looks up to never send twice (``X-Finbots-Reference``), opens IMAP with TLS
only (the sandbox's loopback server has none) and keeps one long-lived connection without
retries. Here each call opens its own short connection.

Connection trouble (refused, reset, timed out: the server is down or restarting) is retried
with growing pauses for up to ``retry_for_s`` seconds, then raised as an
:class:`~bots.runtime.errors.ApplicationFailure` (``MAIL_UNAVAILABLE``; the work queue
retries the item later). A send that may have reached the server before the connection
broke is not repeated blindly: with a ``reference`` the Sent folder is asked first;
without one it fails as ``MAIL_SEND_UNCERTAIN``. Refusals are business failures (bad
address, message too large for the server: ``MAIL_TOO_LARGE``), a wrong login an
application failure (``MAIL_LOGIN_FAILED``).
"""

from __future__ import annotations

import datetime as dt
import imaplib
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bots.runtime.errors import ApplicationFailure, BusinessFailure
from bots.runtime.mail_message import (
    MAX_ATTACHMENT_BYTES,
    REFERENCE_HEADER,
    MailMessage,
    compose,
    parse_message,
    recipients,
)
from bots.runtime.steps import Step, StepRecorder

__all__ = ["MAIL_PUBLIC_FIELDS", "MailClient", "MailSettings", "Mailbox"]

T = TypeVar("T")
#: credential fields that are not secrets (shown in steps); the password is
MAIL_PUBLIC_FIELDS = ("host", "smtp_port", "imap_port", "username", "security",
                      "sent_folder", "append_sent")
#: a message larger than this is read as headers only (``truncated``)
MAX_READ_BYTES = 25 * 1024 * 1024
#: the most a bot may send in one message, whatever the server allows
MAX_SEND_BYTES = 25 * 1024 * 1024
_FETCH_BATCH = 50
_FOLDER = re.compile(r"[A-Za-z0-9 _.\-/&]{1,100}")
_TRANSIENT = (ConnectionError, TimeoutError, socket.timeout, smtplib.SMTPServerDisconnected,
              smtplib.SMTPConnectError, imaplib.IMAP4.abort, socket.gaierror)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class MailClient(Protocol):
    """What a bot can do with a mailbox (the real one and the in-memory fake)."""

    address: str

    def send(self, to: str | Iterable[str], subject: str, text: str, *,
             html: str | None = None,
             attachments: Sequence[tuple[str, bytes, str]] | None = None,
             reference: str | None = None, in_reply_to: str | None = None) -> str: ...

    def messages(self, folder: str = "INBOX", *, unseen_only: bool = False,
                 since: dt.datetime | None = None) -> list[MailMessage]: ...

    def move(self, uid: str, folder: str, *, from_folder: str = "INBOX") -> None: ...

    def mark_seen(self, uid: str, *, folder: str = "INBOX") -> None: ...

    def raw(self, uid: str, *, folder: str = "INBOX") -> bytes: ...

    def sent_with_reference(self, reference: str) -> MailMessage | None: ...


@dataclass(frozen=True)
class MailSettings:
    """Where the mailbox is and how to sign on (from a vault credential)."""

    host: str
    smtp_port: int
    imap_port: int
    username: str
    password: str
    security: str = "none"  # none | starttls | ssl
    sent_folder: str = "Sent"
    append_sent: bool = False
    timeout_s: float = 20.0
    retry_for_s: float = 60.0

    def __repr__(self) -> str:  # never the password
        return (f"MailSettings({self.username} at {self.host}, smtp {self.smtp_port}, "
                f"imap {self.imap_port}, {self.security})")

    @classmethod
    def from_fields(cls, fields: Mapping[str, str], **overrides: Any) -> MailSettings:
        """From a credential's fields; a missing or bad field raises ConfigError naming it."""
        from bots.runtime.errors import ConfigError

        def need(name: str) -> str:
            value = fields.get(name)
            if not value:
                raise ConfigError(f"mail credential: field {name!r} is missing")
            return value

        def port(name: str) -> int:
            try:
                number = int(need(name))
            except ValueError:
                raise ConfigError(f"mail credential: {name} is not a port number") from None
            if not 0 < number < 65536:
                raise ConfigError(f"mail credential: {name} {number} is not a port number")
            return number

        host = need("host")
        loopback = host in ("127.0.0.1", "::1", "localhost")
        security = (fields.get("security") or ("none" if loopback else "ssl")).lower()
        if security not in ("none", "starttls", "ssl"):
            raise ConfigError(f"mail credential: security {security!r} is not none, starttls "
                              "or ssl")
        return cls(host, port("smtp_port"), port("imap_port"), need("username"),
                   need("password"), security, fields.get("sent_folder") or "Sent",
                   (fields.get("append_sent") or "").lower() in ("yes", "true", "1"),
                   **overrides)


class Mailbox:
    """One mailbox on a mail server. ``recorder`` receives a step per call (optional)."""

    def __init__(self, settings: MailSettings, *, recorder: StepRecorder | None = None,
                 name: str = "mail", sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.address = settings.username
        self.name = name
        self.recorder = recorder
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"Mailbox({self.name!r}, {self.settings!r})"

    # -- sending --------------------------------------------------------------------------
    def send(self, to: str | Iterable[str], subject: str, text: str, *,
             html: str | None = None,
             attachments: Sequence[tuple[str, bytes, str]] | None = None,
             reference: str | None = None, in_reply_to: str | None = None) -> str:
        """Send a message from this mailbox; returns its Message-ID.

        ``attachments``: ``(file name, content, mime type)``. ``reference`` goes into the
        ``X-Finbots-Reference`` header (see :meth:`sent_with_reference`).
        """
        data = {"to": to if isinstance(to, str) else list(to), "subject": subject,
                "reference": reference, "in_reply_to": in_reply_to,
                "attachments": [{"name": n, "bytes": len(c), "mime": m}
                                for n, c, m in attachments or ()]}
        with self._step("mail.send", data) as step:
            rcpts = recipients(to)
            msg = compose(self.address, rcpts, subject, text, html=html,
                          attachments=attachments, reference=reference,
                          in_reply_to=in_reply_to)
            raw = msg.as_bytes()
            step.data.update(message_id=msg["Message-ID"], bytes=len(raw))
            if len(raw) > MAX_SEND_BYTES:
                raise BusinessFailure("MAIL_TOO_LARGE", f"the message is {len(raw)} bytes, "
                                      f"more than a bot may send ({MAX_SEND_BYTES})")
            self._deliver(step, msg["Message-ID"], rcpts, raw, reference)
            if self.settings.append_sent:
                self._retrying(step, "imap", lambda: self._append_sent(raw))
            return str(msg["Message-ID"])

    def _deliver(self, step: Step, message_id: str, rcpts: list[str], raw: bytes,
                 reference: str | None) -> None:
        """SMTP, retried while the server cannot be reached; never twice."""
        reached_data = False

        def attempt() -> None:
            nonlocal reached_data
            if reached_data:  # the last attempt may have delivered: look before resending
                if reference is None:
                    raise ApplicationFailure(
                        "MAIL_SEND_UNCERTAIN", f"{self.name}: the connection broke while "
                        f"sending {message_id}; it may have been delivered (no reference "
                        "to look it up by)")
                if self._find_sent(reference) is not None:
                    step.note("found in the Sent folder after the connection broke")
                    return
            with self._smtp() as smtp:
                limit = int(smtp.esmtp_features.get("size", "0") or 0)
                if limit and len(raw) > limit:
                    raise BusinessFailure(
                        "MAIL_TOO_LARGE", f"the message is {len(raw)} bytes; the mail server "
                        f"{self.settings.host} takes at most {limit}")
                self._check(smtp.mail(self.address, [f"SIZE={len(raw)}"] if limit else []),
                            "sender")
                refused = {}
                for rcpt in rcpts:
                    code, reply = smtp.rcpt(rcpt)
                    if code >= 400:
                        refused[rcpt] = f"{code} {reply.decode(errors='replace')}"
                if refused:
                    smtp.rset()
                    raise BusinessFailure("MAIL_RECIPIENT_REFUSED",
                                          f"the mail server refused {refused}",
                                          data={"refused": refused})
                reached_data = True
                code, reply = smtp.data(raw)
                if code == 552:
                    raise BusinessFailure("MAIL_TOO_LARGE", f"the mail server refused the "
                                          f"message: {reply.decode(errors='replace')}")
                self._check((code, reply), "message")

        self._retrying(step, "smtp", attempt)

    def _check(self, answer: tuple[int, bytes], what: str) -> None:
        code, reply = answer
        if code == 552:
            raise BusinessFailure("MAIL_TOO_LARGE", f"the mail server refused the {what}: "
                                  f"{reply.decode(errors='replace')}")
        if code >= 500:
            raise BusinessFailure("MAIL_REFUSED", f"the mail server refused the {what}: "
                                  f"{code} {reply.decode(errors='replace')}")
        if code >= 400:
            raise ConnectionError(f"the mail server deferred the {what}: {code}")

    @contextmanager
    def _smtp(self) -> Iterator[smtplib.SMTP]:
        s = self.settings
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.smtp_port, timeout=s.timeout_s,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.host, s.smtp_port, timeout=s.timeout_s)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            try:
                smtp.login(s.username, s.password)
            except smtplib.SMTPAuthenticationError as exc:
                raise ApplicationFailure("MAIL_LOGIN_FAILED", f"{self.name}: the SMTP server "
                                         f"refused the login of {s.username} "
                                         f"({exc.smtp_code})") from None
            yield smtp
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    # -- reading --------------------------------------------------------------------------
    def messages(self, folder: str = "INBOX", *, unseen_only: bool = False,
                 since: dt.datetime | None = None) -> list[MailMessage]:
        """The messages of ``folder`` (oldest first), without marking them seen.

        ``unseen_only``: only those not yet marked seen; ``since``: only those dated at or
        after it (timezone-aware).
        """
        if since is not None and since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        data = {"folder": folder, "unseen_only": unseen_only,
                "since": since.isoformat() if since else None}
        with self._step("mail.read", data) as step:
            found = self._retrying(step, "imap",
                                   lambda: self._read(folder, unseen_only, since))
            step.data["count"] = len(found)
            step.data["messages"] = [m.as_data() for m in found[:50]]
            return found

    def _read(self, folder: str, unseen_only: bool, since: dt.datetime | None,
              uids: list[str] | None = None) -> list[MailMessage]:
        with self._imap() as imap:
            if not self._select(imap, folder, readonly=True):
                return []
            if uids is None:
                criteria = ["UNSEEN"] if unseen_only else []
                if since is not None:  # IMAP compares dates only: the time is checked below
                    day = since.astimezone(dt.UTC).date() - dt.timedelta(days=1)
                    criteria += ["SINCE", f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"]
                uids = self._search(imap, criteria or ["ALL"])
            out = []
            for start in range(0, len(uids), _FETCH_BATCH):
                out += self._fetch(imap, folder, uids[start:start + _FETCH_BATCH])
        if since is not None:
            out = [m for m in out if m.date is None or m.date >= since]
        return out

    def _search(self, imap: imaplib.IMAP4, criteria: list[str]) -> list[str]:
        typ, data = imap.uid("SEARCH", *criteria)
        if typ != "OK":
            raise ApplicationFailure("MAIL_IMAP_ERROR", f"{self.name}: search failed: {data}")
        return [u.decode() for u in (data[0] or b"").split()]

    def _fetch(self, imap: imaplib.IMAP4, folder: str, uids: list[str]) -> list[MailMessage]:
        """The messages ``uids`` of the selected folder: sizes and flags first, then the
        bodies in one command (headers only for a message over :data:`MAX_READ_BYTES`)."""
        if not uids:
            return []
        typ, data = imap.uid("FETCH", ",".join(uids), "(UID FLAGS INTERNALDATE RFC822.SIZE)")
        if typ != "OK":
            raise ApplicationFailure("MAIL_IMAP_ERROR", f"{self.name}: fetch failed: {data}")
        meta = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if isinstance(line, bytes) and (found := _meta(line)) is not None:
                meta[found[0]] = found
        whole = [u for u in uids if u in meta and meta[u][3] <= MAX_READ_BYTES]
        heads = [u for u in uids if u in meta and meta[u][3] > MAX_READ_BYTES]
        raws = {**self._bodies(imap, whole, "BODY.PEEK[]"),
                **self._bodies(imap, heads, "BODY.PEEK[HEADER]")}
        out = []
        for uid in uids:  # a UID missing from the answers was expunged meanwhile
            if uid not in meta or uid not in raws:
                continue
            _, flags, internal, size = meta[uid]
            out.append(parse_message(raws[uid], uid=uid, folder=folder,
                                     seen="\\Seen" in flags, internal_date=internal,
                                     size=size, truncated=uid in heads,
                                     max_attachment_bytes=MAX_ATTACHMENT_BYTES))
        return out

    def _bodies(self, imap: imaplib.IMAP4, uids: list[str], part: str) -> dict[str, bytes]:
        if not uids:
            return {}
        typ, data = imap.uid("FETCH", ",".join(uids), f"(UID {part})")
        if typ != "OK":
            raise ApplicationFailure("MAIL_IMAP_ERROR", f"{self.name}: fetch failed: {data}")
        out: dict[str, bytes] = {}
        for index, item in enumerate(data):
            if not isinstance(item, tuple) or not isinstance(item[1], bytes):
                continue
            found = re.search(rb"UID (\d+)", item[0])
            if found is None and index + 1 < len(data):  # UID after the literal
                tail = data[index + 1]
                found = re.search(rb"UID (\d+)", tail) if isinstance(tail, bytes) else None
            if found is not None:
                out[found.group(1).decode()] = item[1]
        return out

    def move(self, uid: str, folder: str, *, from_folder: str = "INBOX") -> None:
        """Move message ``uid`` of ``from_folder`` into ``folder`` (created when missing)."""
        _uid(uid)
        with self._step("mail.move", {"uid": uid, "from": from_folder, "to": folder}) as step:
            def work() -> None:
                with self._imap() as imap:
                    if not self._select(imap, from_folder, readonly=False):
                        raise BusinessFailure("MAIL_NO_FOLDER", f"no folder {from_folder!r}")
                    imap.create(_quote(folder))  # NO when it exists: fine
                    if "MOVE" in imap.capabilities:
                        typ, data = imap.uid("MOVE", uid, _quote(folder))
                    else:
                        typ, data = imap.uid("COPY", uid, _quote(folder))
                        if typ == "OK":
                            imap.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)")
                            imap.expunge()
                    if typ != "OK":
                        raise BusinessFailure("MAIL_MOVE_FAILED", f"message {uid} of "
                                              f"{from_folder} not moved to {folder}: {data}")
            self._retrying(step, "imap", work)

    def mark_seen(self, uid: str, *, folder: str = "INBOX") -> None:
        """Mark message ``uid`` of ``folder`` as seen (read)."""
        _uid(uid)
        with self._step("mail.mark_seen", {"uid": uid, "folder": folder}) as step:
            def work() -> None:
                with self._imap() as imap:
                    if not self._select(imap, folder, readonly=False):
                        raise BusinessFailure("MAIL_NO_FOLDER", f"no folder {folder!r}")
                    typ, data = imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
                    if typ != "OK":
                        raise ApplicationFailure("MAIL_IMAP_ERROR",
                                                 f"{self.name}: {uid} not marked seen: {data}")
            self._retrying(step, "imap", work)

    def raw(self, uid: str, *, folder: str = "INBOX") -> bytes:
        """Message ``uid`` of ``folder`` as the server holds it (evidence: the ``.eml``),
        not marked seen; at most :data:`MAX_READ_BYTES`."""
        _uid(uid)
        with self._step("mail.raw", {"uid": uid, "folder": folder}) as step:
            def work() -> bytes:
                with self._imap() as imap:
                    if not self._select(imap, folder, readonly=True):
                        raise BusinessFailure("MAIL_NO_FOLDER", f"no folder {folder!r}")
                    typ, body = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                    raw = next((i[1] for i in body if isinstance(i, tuple)), None) \
                        if typ == "OK" else None
                    if not isinstance(raw, bytes):
                        raise BusinessFailure("MAIL_NO_MESSAGE", f"no message {uid} in "
                                              f"{folder}")
                    return raw[:MAX_READ_BYTES]
            found = self._retrying(step, "imap", work)
            step.data["bytes"] = len(found)
            return found

    def sent_with_reference(self, reference: str) -> MailMessage | None:
        """The message this mailbox sent with ``X-Finbots-Reference: reference`` (the
        newest when several), or None: look before sending, and nothing goes out twice."""
        with self._step("mail.sent_lookup", {"reference": reference}) as step:
            found = self._retrying(step, "imap", lambda: self._find_sent(reference))
            step.data["found"] = found.as_data() if found else None
            return found

    def _find_sent(self, reference: str) -> MailMessage | None:
        if any(c in reference for c in '\r\n"\\') or len(reference) > 200:
            raise BusinessFailure("MAIL_BAD_HEADER", f"not a reference: {reference[:80]!r}")
        with self._imap() as imap:
            if not self._select(imap, self.settings.sent_folder, readonly=True):
                return None
            uids = self._search(imap, ["HEADER", REFERENCE_HEADER, f'"{reference}"'])
            exact = [m for m in self._fetch(imap, self.settings.sent_folder, uids)
                     if m.reference == reference]  # IMAP matches substrings
        return exact[-1] if exact else None

    def _append_sent(self, raw: bytes) -> None:
        with self._imap() as imap:
            imap.create(_quote(self.settings.sent_folder))
            imap.append(_quote(self.settings.sent_folder), "(\\Seen)",
                        imaplib.Time2Internaldate(time.time()), raw)

    @contextmanager
    def _imap(self) -> Iterator[imaplib.IMAP4]:
        s = self.settings
        imap: imaplib.IMAP4
        if s.security == "ssl":
            imap = imaplib.IMAP4_SSL(s.host, s.imap_port, timeout=s.timeout_s,
                                     ssl_context=ssl.create_default_context())
        else:
            imap = imaplib.IMAP4(s.host, s.imap_port, timeout=s.timeout_s)
        try:
            if s.security == "starttls":
                imap.starttls(ssl_context=ssl.create_default_context())
            try:
                imap.login(s.username, s.password)
            except imaplib.IMAP4.error as exc:
                if isinstance(exc, imaplib.IMAP4.abort):
                    raise
                raise ApplicationFailure("MAIL_LOGIN_FAILED", f"{self.name}: the IMAP server "
                                         f"refused the login of {s.username}") from None
            yield imap
        finally:
            try:
                imap.logout()
            except (imaplib.IMAP4.error, OSError):
                imap.shutdown()

    @staticmethod
    def _select(imap: imaplib.IMAP4, folder: str, *, readonly: bool) -> bool:
        typ, _ = imap.select(_quote(folder), readonly=readonly)
        return typ == "OK"

    # -- steps and retries ----------------------------------------------------------------
    @contextmanager
    def _step(self, action: str, data: dict[str, Any]) -> Iterator[Step]:
        data = {"mailbox": self.address, **data}
        if self.recorder is None:
            yield Step(0, dt.datetime.now(dt.UTC), action, app=self.name, data=data)
            return
        step = self.recorder.start(action, app=self.name, data=data)
        try:
            yield step
        except BaseException as exc:
            self.recorder.finish(step, exc, capture=False)  # no page to show
            raise
        self.recorder.finish(step)

    def _retrying(self, step: Step, protocol: str, work: Callable[[], T]) -> T:
        """``work``, retried while the server cannot be reached (bounded)."""
        started = time.monotonic()
        pause, tries = 0.5, 0
        port = self.settings.smtp_port if protocol == "smtp" else self.settings.imap_port
        while True:
            tries += 1
            try:
                result = work()
            except _TRANSIENT as exc:
                waited = time.monotonic() - started
                if waited + pause > self.settings.retry_for_s:
                    step.data["attempts"] = tries
                    raise ApplicationFailure(
                        "MAIL_UNAVAILABLE",
                        f"{self.name}: {protocol.upper()} {self.settings.host}:{port} not "
                        f"reachable for {waited:.0f} s ({tries} attempts): "
                        f"{type(exc).__name__}: {exc}") from exc
                self._sleep(pause)
                pause = min(pause * 2, 5.0)
                continue
            if tries > 1:
                step.data["attempts"] = tries
                step.note(f"{protocol.upper()} server unreachable at first; succeeded on "
                          f"attempt {tries} after {time.monotonic() - started:.1f} s")
            return result


def _uid(uid: str) -> str:
    if not str(uid).isdigit():
        raise BusinessFailure("MAIL_BAD_UID", f"not a message UID: {uid!r}")
    return str(uid)


def _quote(folder: str) -> str:
    if not _FOLDER.fullmatch(folder):
        raise BusinessFailure("MAIL_BAD_FOLDER", f"not a folder name this client uses: "
                              f"{folder!r} (letters, digits, space, _ . - / & up to 100)")
    return f'"{folder}"'


_META = re.compile(rb"UID (\d+)|FLAGS \(([^)]*)\)|INTERNALDATE \"([^\"]+)\"|RFC822\.SIZE (\d+)")


def _meta(line: bytes) -> tuple[str, str, dt.datetime | None, int] | None:
    uid, flags, internal, size = None, "", None, 0
    for m in _META.finditer(line):
        if m.group(1):
            uid = m.group(1).decode()
        elif m.group(2) is not None:
            flags = m.group(2).decode(errors="replace")
        elif m.group(3):
            internal = _internaldate(m.group(3).decode())
        elif m.group(4):
            size = int(m.group(4))
    return None if uid is None else (uid, flags, internal, size)


def _internaldate(text: str) -> dt.datetime | None:
    """``20-Nov-2026 09:15:00 +0100`` as aware UTC (English month names, any locale)."""
    m = re.fullmatch(r"\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)",
                     text)
    if not m or m.group(2).title() not in _MONTHS:
        return None
    offset = dt.timedelta(hours=int(m.group(8)), minutes=int(m.group(9)))
    tz = dt.timezone(offset if m.group(7) == "+" else -offset)
    local = dt.datetime(int(m.group(3)), _MONTHS.index(m.group(2).title()) + 1,
                        int(m.group(1)), int(m.group(4)), int(m.group(5)), int(m.group(6)),
                        tzinfo=tz)
    return local.astimezone(dt.UTC)
