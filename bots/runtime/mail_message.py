"""Mail messages as a bot sees them: composed for sending, parsed safely when read.

:func:`compose` builds the message :meth:`Mailbox.send <bots.runtime.mail.Mailbox.send>`
sends (plain text, optional HTML alternative, attachments, ``X-Finbots-Reference``,
``In-Reply-To``); :func:`parse_message` turns raw bytes into a :class:`MailMessage`.

Reading is defensive: a header that cannot be decoded is kept as its raw text, a body in an
unknown charset is decoded as UTF-8 with replacement characters, HTML is never rendered or
run (a text body is derived from it by dropping tags, scripts and styles), the text is cut
at :data:`MAX_TEXT_CHARS`, an attachment's name is reduced to a plain file name, and an
attachment over the size limit is left out (its name is listed in ``omitted``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any, NamedTuple

from bots.runtime.errors import BusinessFailure

__all__ = ["MAX_ATTACHMENT_BYTES", "MAX_TEXT_CHARS", "REFERENCE_HEADER", "Attachment",
           "MailMessage", "compose", "html_to_text", "parse_message", "recipients"]

#: the header that names what a message is about (a bot looks for it before sending again)
REFERENCE_HEADER = "X-Finbots-Reference"
#: an attachment larger than this is not handed to the bot (its name is listed in ``omitted``)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
#: the text body is cut after this many characters
MAX_TEXT_CHARS = 1_000_000
_MAX_SUBJECT = 998
_MAX_REFERENCE = 200
_PARSER = BytesParser(policy=policy.default)


class Attachment(NamedTuple):
    """One attachment of a message read: ``name, mime, content = attachment``."""

    name: str
    mime: str
    content: bytes


@dataclass(frozen=True)
class MailMessage:
    """One message of a folder. ``uid`` is the IMAP UID within ``folder``."""

    uid: str
    folder: str
    message_id: str | None
    sender: str
    to: tuple[str, ...]
    date: dt.datetime | None  # timezone-aware UTC
    subject: str
    text: str
    html: str | None = None  # the HTML part as text, never rendered
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)  # the X-* headers
    seen: bool = False
    size: int = 0
    omitted: tuple[str, ...] = ()  # attachments left out (over the size limit)
    truncated: bool = False  # over the message size limit: headers only

    @property
    def reference(self) -> str | None:
        """The ``X-Finbots-Reference`` the message carries, if any."""
        wanted = REFERENCE_HEADER.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def as_data(self) -> dict[str, Any]:
        """A summary for a step's data (no body, no attachment content)."""
        return {"uid": self.uid, "folder": self.folder, "message_id": self.message_id,
                "from": self.sender, "subject": self.subject,
                "date": self.date.isoformat() if self.date else None,
                "attachments": [a.name for a in self.attachments]}


# -- composing ---------------------------------------------------------------------------
def recipients(to: str | Iterable[str]) -> list[str]:
    """Plain addresses from ``"a@x, b@y"`` or a list; refuses anything that is not one."""
    items = [to] if isinstance(to, str) else list(to)
    out = []
    for item in items:
        for _, addr in getaddresses([item]):
            if not _plain_address(addr):
                raise BusinessFailure("MAIL_BAD_ADDRESS", f"not a mail address: {addr!r}")
            out.append(addr)
    if not out:
        raise BusinessFailure("MAIL_BAD_ADDRESS", f"no recipient in {to!r}")
    return out


def _plain_address(addr: str) -> bool:
    if not addr or len(addr) > 254 or any(c in addr for c in "\r\n\t <>\"(),;:\\[]"):
        return False
    local, _, domain = addr.rpartition("@")
    return bool(local) and "." in domain and not domain.startswith(".")


def _one_line(name: str, value: str, limit: int) -> str:
    if "\r" in value or "\n" in value:
        raise BusinessFailure("MAIL_BAD_HEADER", f"{name} must be one line: {value[:80]!r}")
    if len(value) > limit:
        raise BusinessFailure("MAIL_BAD_HEADER", f"{name} longer than {limit} characters")
    return value


def _attachment_name(name: str) -> str:
    base = PurePath(name.replace("\\", "/")).name.strip()
    if not base or base in (".", "..") or any(ord(c) < 32 for c in base):
        raise BusinessFailure("MAIL_BAD_ATTACHMENT", f"not a file name: {name!r}")
    return base


def compose(sender: str, to: str | Iterable[str], subject: str, text: str, *,
            html: str | None = None,
            attachments: Sequence[tuple[str, bytes, str]] | None = None,
            reference: str | None = None, in_reply_to: str | None = None,
            now: dt.datetime | None = None) -> EmailMessage:
    """The message to send; ``attachments`` are ``(name, content, mime)``."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    msg["To"] = ", ".join(recipients(to))
    msg["Subject"] = _one_line("subject", subject, _MAX_SUBJECT)
    msg["Date"] = format_datetime(now or dt.datetime.now(dt.UTC))
    domain = sender.rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(domain=domain)
    if reference is not None:
        msg[REFERENCE_HEADER] = _one_line("reference", reference, _MAX_REFERENCE)
    if in_reply_to:
        parent = _one_line("in_reply_to", in_reply_to, _MAX_SUBJECT)
        msg["In-Reply-To"] = parent
        msg["References"] = parent
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for name, content, mime in attachments or ():
        maintype, _, subtype = (mime or "application/octet-stream").partition("/")
        if not maintype or not subtype or "\n" in mime:
            raise BusinessFailure("MAIL_BAD_ATTACHMENT", f"{name}: not a MIME type: {mime!r}")
        msg.add_attachment(bytes(content), maintype=maintype, subtype=subtype,
                           filename=_attachment_name(name))
    return msg


# -- reading -----------------------------------------------------------------------------
class _TextOfHtml(HTMLParser):
    _SKIP = frozenset({"script", "style", "head", "title"})
    _BREAK = frozenset({"br", "p", "div", "tr", "li", "table", "h1", "h2", "h3", "h4",
                        "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body (tags dropped, scripts and styles left out)."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = (re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
        return None if value is None else str(value)
    except Exception:  # a header the parser cannot model: its raw text
        for key, raw in msg.raw_items():
            if key.lower() == name.lower():
                return str(raw)
        return None


def _content(part: Message) -> str:
    """A text part's content, decoded (line ends as ``\n``)."""
    text = ""
    try:
        value = part.get_content()  # type: ignore[attr-defined]
        if isinstance(value, str):
            text = value
    except (LookupError, ValueError, AssertionError, TypeError):
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    return text.replace("\r\n", "\n")


def _date(value: str | None, fallback: dt.datetime | None) -> dt.datetime | None:
    if value:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is not None:
            aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
            return aware.astimezone(dt.UTC)
    return fallback.astimezone(dt.UTC) if fallback else None


def _addresses(value: str | None) -> tuple[str, ...]:
    try:
        return tuple(addr for _, addr in getaddresses([value or ""]) if addr)
    except Exception:
        return ()


def parse_message(raw: bytes, *, uid: str = "", folder: str = "INBOX", seen: bool = False,
                  internal_date: dt.datetime | None = None, size: int | None = None,
                  truncated: bool = False,
                  max_attachment_bytes: int = MAX_ATTACHMENT_BYTES) -> MailMessage:
    """A :class:`MailMessage` from raw bytes (headers only when ``truncated``)."""
    msg = _PARSER.parsebytes(raw)
    text, html = "", None
    if not truncated:
        body = None
        try:
            body = msg.get_body(preferencelist=("plain", "html"))
            html_part = msg.get_body(preferencelist=("html",))
        except Exception:
            html_part = None
        if html_part is not None:
            html = _content(html_part)[:MAX_TEXT_CHARS]
        if body is not None:
            content = _content(body)
            text = html_to_text(content) if body.get_content_subtype() == "html" else content
    attachments: list[Attachment] = []
    omitted: list[str] = []
    if not truncated:
        for part in _iter_attachments(msg):
            name = _received_name(part)
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            if len(content) > max_attachment_bytes:
                omitted.append(name)
            else:
                attachments.append(Attachment(name, part.get_content_type(), content))
    sender = _addresses(_header(msg, "From"))
    return MailMessage(
        uid=uid, folder=folder, message_id=_header(msg, "Message-ID"),
        sender=sender[0] if sender else (_header(msg, "From") or ""),
        to=_addresses(_header(msg, "To")) + _addresses(_header(msg, "Cc")),
        date=_date(_header(msg, "Date"), internal_date),
        subject=(_header(msg, "Subject") or "").strip(),
        text=text[:MAX_TEXT_CHARS], html=html,
        attachments=tuple(attachments),
        in_reply_to=_header(msg, "In-Reply-To"),
        references=tuple((_header(msg, "References") or "").split()),
        headers={k: v for k in dict.fromkeys(msg.keys()) if k.lower().startswith("x-")
                 for v in [_header(msg, k) or ""]},
        seen=seen, size=len(raw) if size is None else size, omitted=tuple(omitted),
        truncated=truncated)


def _received_name(part: Message) -> str:
    """An attachment's file name as sent, reduced to a plain base name (a bot may save it:
    no directories, no control characters)."""
    try:
        sent = part.get_filename() or ""
    except Exception:
        sent = ""
    base = PurePath(sent.replace("\\", "/")).name
    base = "".join(c for c in base if ord(c) >= 32).strip()[:200]
    return base if base not in ("", ".", "..") else "attachment"


def _iter_attachments(msg: Message) -> Iterable[Message]:
    if not msg.is_multipart():
        return []
    try:
        return list(msg.iter_attachments())  # type: ignore[attr-defined]
    except Exception:
        return [p for p in msg.walk() if p.get_filename()]

