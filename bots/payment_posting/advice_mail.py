"""Remittance advices attached to mails in the finance mailbox.

With ``advice_mailbox=true`` the intake reads the advice mails
(:func:`bots.cashapp.remittance_mail.is_remittance_mail`) of the finance INBOX and of the
``Remittances`` folder (where the collections bot files those it meets first). Each mail
is kept as evidence of the run (``evidence/advice-mail/<Message-ID>/``: the ``.eml`` and
its advice files) and its advice files are read with the folder advices' readers; their
lines decide the allocation of the payment they link to, as a folder advice's do.

What happens to the mail:

- its advice allocated a payment: the mail moves to ``Remittances linked`` (a mail of
  several advices, once the first did), the payment's work item names it
  (``advice_mail``), and the bot remembers it, so a rerun never applies it again (a mail
  still in a folder read, its move cut short, is only filed);
- an attachment cannot be read (or is too large): the file goes to the quarantine folder
  with the reason (file and line) beside it, the mail moves to ``Needs a person`` and none
  of its advices is used; the run goes on;
- it links to no payment yet: it waits in ``Remittances`` for a later statement.

A mailbox that cannot be reached fails the intake (``MAIL_UNAVAILABLE``, an application
failure): the statement is taken in by the next run, not without the advices it may need.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots.cashapp.model import Decision, MatchResult, RemittanceAdvice, StatementEntry
from bots.cashapp.remittance_mail import ADVICE_SUFFIXES, REMITTANCE_FOLDER, is_remittance_mail
from bots.cashapp.statements import parse_remittance_file, quarantine
from bots.runtime import RunContext
from bots.runtime.errors import StatementError, StatementParseError
from bots.runtime.mail import MailClient
from bots.runtime.mail_message import MailMessage

__all__ = ["LINKED_FOLDER", "PERSON_FOLDER", "MailAdvices"]

LINKED_FOLDER, PERSON_FOLDER = "Remittances linked", "Needs a person"
#: the ``ctx.state`` namespace of advice mails linked or sent to a person (key: Message-ID)
STATE = "advice-mails"
#: an advice is a page or two: a larger attachment is refused
MAX_ADVICE_BYTES = 5 * 1024 * 1024
#: mails read per folder and run; the rest wait for the next run
MAX_MAILS = 200
#: advice files one mail may carry
MAX_FILES = 20


@dataclass(frozen=True)
class _Source:
    """Where an advice came from: its mail, and the file saved as evidence."""

    uid: str
    folder: str
    message_id: str
    sender: str
    subject: str
    eml: Path
    file: Path


@dataclass
class MailAdvices:
    """The advice mails of one run (read once), and where each goes afterwards."""

    mailbox: MailClient | None
    quarantine_dir: Path
    folders: tuple[str, ...] = ("INBOX", REMITTANCE_FOLDER)
    advices: list[RemittanceAdvice] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    _sources: dict[str, _Source] = field(default_factory=dict)  # advice.source -> mail
    _moved: set[str] = field(default_factory=set)  # Message-IDs filed by this run

    def read(self, ctx: RunContext) -> list[RemittanceAdvice]:
        if self.mailbox is None:
            return []
        done = ctx.state(STATE)
        with ctx.recorder.step("read_advice_mails", app="mail", rule="remittance advice mails "
                               "of the finance mailbox",
                               data={"folders": list(self.folders)}) as st:
            filed_before = 0
            for folder in self.folders:
                for msg in self.mailbox.messages(folder)[:MAX_MAILS]:
                    if folder == "INBOX" and not is_remittance_mail(
                            msg.subject, (a.name for a in msg.attachments)):
                        continue  # a customer's reply: the collections bot's
                    before = done.get(_key(msg)) or {}
                    if before.get("folder") == LINKED_FOLDER:  # linked by an earlier run
                        self._move(msg, LINKED_FOLDER)
                        filed_before += 1
                        continue
                    self._take(ctx, msg)
            st.data.update(advices=len(self.advices), quarantined=self.refused,
                           filed_again=filed_before)
        return self.advices

    def _take(self, ctx: RunContext, msg: MailMessage) -> None:
        """Keep the mail as evidence and read its advice files; a bad one refuses it all."""
        assert self.mailbox is not None
        folder = ctx.run_dir / "evidence" / "advice-mail" / _safe(_key(msg))
        folder.mkdir(parents=True, exist_ok=True)
        eml = folder / "message.eml"
        eml.write_bytes(self.mailbox.raw(msg.uid, folder=msg.folder))
        found: list[tuple[RemittanceAdvice, _Source]] = []
        try:
            if msg.omitted:
                raise StatementParseError(f"attachment {msg.omitted[0]} is larger than the "
                                          "mail reader keeps", file=msg.omitted[0])
            files = [a for a in msg.attachments if a.name.lower().endswith(ADVICE_SUFFIXES)]
            if not files or len(files) > MAX_FILES:
                raise StatementParseError(
                    f"{len(files)} advice files (.xlsx, .pdf, .csv) attached, expected 1 to "
                    f"{MAX_FILES}", file=msg.subject or "(no subject)")
            for attachment in files:
                path = _unique(folder / _safe(attachment.name))
                path.write_bytes(attachment.content)
                if len(attachment.content) > MAX_ADVICE_BYTES:
                    raise StatementParseError(
                        f"advice is {len(attachment.content):,} bytes, more than "
                        f"{MAX_ADVICE_BYTES:,}", file=str(path))
                source = _Source(msg.uid, msg.folder, _key(msg), msg.sender, msg.subject,
                                 eml, path)
                found.append((parse_remittance_file(path), source))
        except StatementError as exc:
            self._refuse(ctx, msg, folder, eml, exc)
            return
        for advice, source in found:
            self.advices.append(advice)
            self._sources[advice.source] = source

    def _refuse(self, ctx: RunContext, msg: MailMessage, folder: Path, eml: Path,
                exc: StatementError) -> None:
        """The unreadable file (else the whole mail) to the quarantine, a copy: the run's
        evidence keeps its own; the mail to a person."""
        named = Path(exc.file) if exc.file else None
        bad = named if named is not None and named.parent == folder and named.is_file() else eml
        copy = self.quarantine_dir / "incoming" / (
            bad.name if bad != eml else f"{_safe(_key(msg))}.eml")
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(bad, copy)
        moved = quarantine(copy, self.quarantine_dir, exc)
        reason = f"{_key(msg)} ({bad.name}): {exc}"
        self.refused.append(reason)
        ctx.log.warning("advice mail {} to a person, its file quarantined to {}: {}",
                        _key(msg), moved, exc)
        self._move(msg, PERSON_FOLDER)
        ctx.state(STATE).put(_key(msg), {
            "folder": PERSON_FOLDER, "reason": str(exc), "file": str(moved),
            "evidence": str(eml), "at": dt.datetime.now(dt.UTC).isoformat()})

    def linked(self, ctx: RunContext, entry: StatementEntry,
               result: MatchResult) -> dict[str, Any] | None:
        """File the mail whose advice allocated this posting; what the work item names."""
        if result.rule != "remittance_advice" or result.decision is not Decision.POST:
            return None
        numbers = sorted((a.invoice_number, a.amount) for a in result.allocations)
        for advice in list(self.advices):
            source = self._sources.get(advice.source)
            if source is None or f"remittance advice {advice.source}" not in (
                    result.explanation or ""):
                continue
            if sorted((ln.invoice_number, ln.amount) for ln in advice.lines) != numbers:
                continue
            self.advices.remove(advice)
            shown = {"message_id": source.message_id, "from": source.sender,
                     "subject": source.subject, "file": source.file.name,
                     "mail": _relative(ctx, source.eml), "advice": _relative(ctx, source.file)}
            ctx.state(STATE).put(source.message_id, {
                "folder": LINKED_FOLDER, "bank_reference": entry.bank_reference, **shown,
                "at": dt.datetime.now(dt.UTC).isoformat()})
            self._move_source(source, LINKED_FOLDER)
            return shown
        return None

    def file_waiting(self) -> int:
        """Advice mails still in the INBOX that linked to no payment wait in
        ``Remittances`` (the collections bot would move them there anyway)."""
        moved = 0
        for advice in self.advices:
            source = self._sources[advice.source]
            if source.folder == "INBOX" and source.message_id not in self._moved:
                self._move_source(source, REMITTANCE_FOLDER)
                moved += 1
        return moved

    def _move(self, msg: MailMessage, folder: str) -> None:
        if self.mailbox is not None and msg.folder != folder:
            self.mailbox.move(msg.uid, folder, from_folder=msg.folder)

    def _move_source(self, source: _Source, folder: str) -> None:
        """Move a mail once, whichever of its advices asks first."""
        if self.mailbox is None or source.message_id in self._moved:
            return
        self._moved.add(source.message_id)
        if source.folder != folder:
            self.mailbox.move(source.uid, folder, from_folder=source.folder)


def _key(msg: MailMessage) -> str:
    return (msg.message_id or f"<uid-{msg.folder}-{msg.uid}@finance-mailbox>").strip()[:300]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name.strip("<>"))[:120].lstrip(".") or "file"


def _unique(path: Path) -> Path:
    n, target = 1, path
    while target.exists():
        target = path.with_name(f"{path.stem}.{n}{path.suffix}")
        n += 1
    return target


def _relative(ctx: RunContext, path: Path) -> str:
    try:
        return path.relative_to(ctx.run_dir).as_posix()
    except ValueError:
        return str(path)
