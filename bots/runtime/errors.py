"""Every error finbots raises, in one place.

The hierarchy::

    FinbotsError
    ├── ConfigError                      bad settings, missing files, unknown bot
    │   └── BrowserNotFoundError         no Chromium to launch (says what to install)
    ├── StatementError                   a bank statement or remittance advice we refuse
    │   ├── StatementParseError          malformed file: names file and line / XPath
    │   ├── UnknownFormatError           content matches no supported format
    │   ├── BalanceMismatchError         opening + entries != closing
    │   └── DuplicateStatementError      same account, statement id and sequence seen before
    ├── OpenItemsError                   an open-items file we refuse: names file and line
    ├── VaultError                       the credentials vault
    │   ├── VaultKeyError                missing or wrong master key
    │   └── CredentialNotFoundError
    ├── StoreError                       the orchestrator store
    │   ├── NotFoundError
    │   ├── IllegalTransitionError       a work item / job state change the rules forbid
    │   ├── LeaseLostError               a work item's lease is held by another owner
    │   └── DuplicateError               a unique name or reference already exists
    ├── ScheduleError                    a schedule, trigger or calendar that cannot work
    ├── AccessError                      who may do what
    │   ├── AuthenticationError          unknown user, wrong password, bad/revoked token
    │   ├── PermissionDeniedError        the caller's roles do not allow the action
    │   ├── SelfApprovalError            maker-checker: nobody approves their own request
    │   └── CsrfError                    a form post without the session's CSRF token
    ├── AuditChainError                  the audit trail's hash chain is broken
    ├── SelectorError                    a logical selector name no locator could resolve
    ├── ConsecutiveFailuresError         a run stopped: a queue's items kept failing technically
    └── BotFailure                       raised inside a bot to end one work item
        ├── BusinessFailure              bad or missing data: never retried, becomes a case
        └── ApplicationFailure           technical: retried up to the queue's limit
            ├── UnexpectedDialogError    a target showed a dialog the bot did not expect
            └── HttpStatusError          a page opened answered 4xx/5xx (HTTP_ERROR)

``BotFailure`` carries a machine-readable ``code`` (e.g. ``UNMATCHED``,
``ERP_TIMEOUT``) next to its human ``message``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

__all__ = [
    "AccessError",
    "ApplicationFailure",
    "AuditChainError",
    "AuthenticationError",
    "BalanceMismatchError",
    "BotFailure",
    "BrowserNotFoundError",
    "BusinessFailure",
    "ConfigError",
    "ConsecutiveFailuresError",
    "CredentialNotFoundError",
    "CsrfError",
    "DuplicateError",
    "DuplicateStatementError",
    "FinbotsError",
    "HttpStatusError",
    "IllegalTransitionError",
    "LeaseLostError",
    "NotFoundError",
    "OpenItemsError",
    "PermissionDeniedError",
    "ScheduleError",
    "SelectorError",
    "SelfApprovalError",
    "StatementError",
    "StatementParseError",
    "StoreError",
    "UnexpectedDialogError",
    "UnknownFormatError",
    "VaultError",
    "VaultKeyError",
]


class FinbotsError(Exception):
    """Base of every finbots error."""


class ConfigError(FinbotsError):
    """Settings, files or names that do not make sense."""


class BrowserNotFoundError(ConfigError):
    """No Chromium could be found or launched."""


class StatementError(FinbotsError):
    """A statement or remittance file that is refused as a whole."""

    def __init__(self, message: str, *, file: str | None = None, location: str | None = None):
        self.file = file
        self.location = location
        where = ", ".join(p for p in (file, location) if p)
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message


class StatementParseError(StatementError):
    """Malformed content; ``location`` is a line number (``line 12``) or an XPath."""


class UnknownFormatError(StatementError):
    """The content is none of the supported statement formats."""


class BalanceMismatchError(StatementError):
    """Opening balance plus entries does not equal the closing balance."""


class DuplicateStatementError(StatementError):
    """The statement (account, statement id, sequence) was imported before."""


class OpenItemsError(FinbotsError):
    """An open-items export (CSV) with a row that cannot be read; names file and line."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        self.file = file
        self.line = line
        where = ", ".join(p for p in (file, f"line {line}" if line else None) if p)
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message


class VaultError(FinbotsError):
    """The encrypted credentials vault."""


class VaultKeyError(VaultError):
    """The master key is missing or does not open the vault."""


class CredentialNotFoundError(VaultError):
    """No credential of that name (or field) in the vault."""


class StoreError(FinbotsError):
    """The orchestrator store."""


class NotFoundError(StoreError):
    """No record with that id."""


class IllegalTransitionError(StoreError):
    """A state change the state machine forbids."""

    def __init__(self, kind: str, current: str, target: str):
        self.kind, self.current, self.target = kind, current, target
        super().__init__(f"{kind}: illegal transition {current} -> {target}")


class LeaseLostError(StoreError):
    """The item is no longer leased to this owner (lease expired and it was recovered)."""


class DuplicateError(StoreError):
    """A record with that unique name or reference already exists."""


class ScheduleError(FinbotsError):
    """A schedule, trigger or business calendar that cannot work (names the field)."""


class AccessError(FinbotsError):
    """Who may do what."""


class AuthenticationError(AccessError):
    """Unknown user, wrong password, disabled account, or a bad, expired or revoked token."""


class PermissionDeniedError(AccessError):
    """The caller's roles do not allow the action."""


class SelfApprovalError(PermissionDeniedError):
    """Maker-checker: the person who asked for an approval cannot give it."""


class CsrfError(AccessError):
    """A state-changing browser request without the session's CSRF token."""


class AuditChainError(FinbotsError):
    """The audit trail's hash chain is broken; names the first bad record."""


class SelectorError(FinbotsError):
    """None of a logical selector's locators matched."""


class ConsecutiveFailuresError(FinbotsError):
    """A work queue's loop stopped the run: ``count`` items in a row failed technically.

    Raised when the bot asks for the next item; the items not yet started stay in the
    queue for the next run. ``last`` is the failure of the item that failed last (its
    message is already redacted); the message names its first line only.
    """

    def __init__(self, queue: str, count: int, last: BotFailure | None):
        self.queue, self.count, self.last = queue, count, last
        said = str(last).strip().splitlines()[0] if last is not None and str(last).strip() \
            else "no error given"
        if len(said) > 300:
            said = said[:299] + "…"
        failures = "failure" if count == 1 else "failures"
        super().__init__(f"stopped after {count} consecutive application {failures} "
                         f"(queue {queue}): {said}")


class BotFailure(FinbotsError):
    """Ends one work item; ``code`` is machine readable, ``message`` is for people.

    The keywords are what the exception case of the item shows a person: ``data`` (facts,
    merged into the case's data), ``rule`` (the rule that decided), ``amount`` (Decimal),
    ``customer`` (a customer id), ``candidates`` (the records a person may choose from)
    and ``evidence`` (files beside the screenshot, e.g. the input file). ``sla_due``
    (timezone-aware) is when the case is due, instead of the orchestrator's default SLA
    (e.g. a dispute's reason gives its owner team so many hours).
    """

    kind = "failure"

    def __init__(
        self, code: str, message: str = "", *, data: Mapping[str, Any] | None = None,
        rule: str | None = None, amount: Decimal | None = None, customer: str | None = None,
        candidates: Sequence[Mapping[str, Any]] | None = None, evidence: Sequence[str] = (),
        sla_due: dt.datetime | None = None,
    ):
        if sla_due is not None and sla_due.utcoffset() is None:
            raise ValueError(f"{code}: sla_due must be timezone-aware, not {sla_due!r}")
        self.code = code
        self.sla_due = sla_due
        self.message = message or code
        self.data: dict[str, Any] = dict(data or {})
        self.rule, self.amount, self.customer = rule, amount, customer
        self.candidates: list[dict[str, Any]] = [dict(c) for c in candidates or ()]
        self.evidence: list[str] = [str(e) for e in evidence]
        super().__init__(f"{code}: {self.message}")


class BusinessFailure(BotFailure):
    """Bad or missing data. Never retried; becomes an exception case for a person."""

    kind = "business"


class ApplicationFailure(BotFailure):
    """A technical failure (timeout, server error, lost session). Retryable."""

    kind = "application"


class UnexpectedDialogError(ApplicationFailure):
    """A target application showed a dialog (alert, modal) the bot did not expect."""

    def __init__(self, message: str):
        super().__init__("UNEXPECTED_DIALOG", message)


class HttpStatusError(ApplicationFailure):
    """A page opened by a bot answered with an HTTP error status (4xx or 5xx)."""

    def __init__(self, app: str, path: str, status: int):
        self.app, self.path, self.status = app, path, status
        super().__init__("HTTP_ERROR", f"{app}: {path} answered HTTP {status}")
