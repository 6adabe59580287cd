"""What a bot declares about the exception cases it opens, so the orchestrator can show them.

A :class:`CaseType` is one business reason (``reason``: the ``code`` of the
:class:`~bots.runtime.errors.BusinessFailure` the bot raises). It says which facts of the
case to show a person (``evidence``: dotted paths into the case's data) and which
resolutions a person may choose (``resolutions``), each with the form fields it asks for
and whether it needs a second person's approval above the threshold.

A resolution is carried out by the bot: the orchestrator puts the case's work item back
into its queue with the person's decision (``item.resolution``), the bot does it in the
target system, and the case resolves when the bot completes that item (it opens again
when the bot fails it). ``carried_out=False`` marks a resolution that is only recorded.

The orchestrator renders any bot's case types from this declaration; it never hard-codes
one bot's domain. Example::

    CaseType(
        reason="OVERPAID", title="Paid more than the invoice",
        evidence=(Evidence("invoice", "Invoice"), Evidence("paid", "Paid", kind="money")),
        resolutions=(
            Resolution("refund", "Refund the difference",
                       fields=(Field("amount", "Amount", kind="money"),),
                       approval="refund"),
            Resolution("keep", "Keep as credit", carried_out=False),
        ),
    )
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bots.runtime.errors import ConfigError

__all__ = [
    "RETRY",
    "CaseType",
    "Evidence",
    "EvidenceRefresh",
    "Field",
    "FieldKind",
    "PreparedResolution",
    "Resolution",
    "generic_case_type",
]

FieldKind = Literal["text", "textarea", "money", "number", "date", "choice", "checkbox",
                    "allocations"]
EvidenceKind = Literal["text", "money", "date", "mono", "json", "link", "table", "item"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact of a case shown to a person: ``path`` is a dotted path into ``case.data``
    (``bank_line.amount``); ``kind`` says how to show it.

    ``kind="item"``: the value is the reference of a work item of ``queue`` (e.g. the
    payment a duplicate repeats), shown as a link to it.
    """

    path: str
    label: str
    kind: EvidenceKind = "text"
    group: str = "Details"  # evidence with the same group is shown in one panel
    queue: str | None = None  # for kind "item"

    def __post_init__(self) -> None:
        if self.kind == "item" and not self.queue:
            raise ConfigError(f"evidence {self.path!r}: an item reference needs its queue")

    def value(self, data: Mapping[str, Any]) -> Any:
        """The value at :attr:`path` in ``data`` (None when any part is missing)."""
        current: Any = data
        for part in self.path.split("."):
            if not isinstance(current, Mapping) or part not in current:
                return None
            current = current[part]
        return current


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a resolution's form.

    ``kind="allocations"`` is a table of the case's candidates (``case.candidates``) with an
    amount per row; ``kind="choice"`` offers ``choices`` (value, label) pairs.
    """

    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    default: str | None = None  # a dotted path into case data, prefixed ``=``; or a literal
    help: str = ""


@dataclass(frozen=True, slots=True)
class PreparedResolution:
    """What a resolution's ``prepare`` hook made of a person's input.

    ``payload``: merged into the work item the bot carries out; ``amount``: what the
    approval threshold is checked against; ``summary``: one line for the case history;
    ``limit``: the most that resolutions of this approval kind may move on this payment
    in all (its cases and earlier requests together, e.g. refunds never beyond the amount
    received); a request that would pass it is refused before anything is queued.
    ``approvers``: dual control, how many distinct people other than the requester must
    approve it first (with ``amount`` and the resolution's ``approval`` kind); it adds to
    the threshold's rule, never waives it.
    """

    payload: dict[str, Any] = field(default_factory=dict)
    amount: Any = None  # Decimal | None
    summary: str = ""
    limit: Any = None  # Decimal | None
    approvers: int | None = None


#: ``prepare(case, values)``: check and shape a person's input (raise ValueError to refuse).
#: ``case`` is a mapping with ``id``, ``reason_code``, ``amount``, ``customer_id``, ``data``,
#: ``candidates``, ``reference``.
PrepareHook = Callable[[Mapping[str, Any], Mapping[str, Any]], PreparedResolution]


@dataclass(frozen=True, slots=True)
class Resolution:
    name: str
    label: str
    fields: tuple[Field, ...] = ()
    approval: str | None = None  # the approval kind needed above the threshold
    carried_out: bool = True  # False: only recorded; True: the bot carries it out
    prepare: PrepareHook | None = field(default=None, compare=False)
    help: str = ""
    #: when an approval is needed, said to the person deciding; for a resolution whose
    #: ``prepare`` decides it (e.g. two approvers above a limit) rather than the
    #: orchestrator's money threshold
    approval_note: str = ""

    def __post_init__(self) -> None:
        if not self.name.replace("_", "").replace("-", "").isalnum():
            raise ConfigError(f"resolution name {self.name!r}: letters, digits, - and _ only")


#: Offered on every case whose item failed technically past its retry limit.
RETRY = Resolution("retry", "Retry the bot",
                   help="A technical failure: the bot tries the same item again.")


@dataclass(frozen=True, slots=True)
class EvidenceRefresh:
    """Evidence the bot reads again when a person opens a case, because the target may
    have changed since the case opened (an invoice paid meanwhile, an amount changed).

    Opening a pending case whose evidence was last read more than ``stale_after_s`` ago
    adds one work item to ``queue`` (payload ``{"refresh_case": id, "case": {...}}``); the
    bot reads the target and completes the item with ``output["refreshed"]``::

        {"read_at": ISO time, "candidates": [row, ...],   # each may say "changed"
         "changes": ["INV-1: paid meanwhile", ...], "facts": {...}}

    which the case keeps as ``data["refreshed"]`` and its page shows (candidates with
    their changes marked, when they were read).
    """

    queue: str
    label: str = "Read again from the target system"
    stale_after_s: float = 60.0


@dataclass(frozen=True, slots=True)
class CaseType:
    reason: str
    title: str
    description: str = ""
    evidence: tuple[Evidence, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    refresh: EvidenceRefresh | None = None
    #: the rule names the bot records on its cases (``case.rule``) in plain words, as
    #: ``(name, sentence)`` pairs: shown next to the rule on the case page
    rule_notes: tuple[tuple[str, str], ...] = ()

    def resolution(self, name: str) -> Resolution | None:
        return next((r for r in (*self.resolutions, RETRY) if r.name == name), None)

    def rule_note(self, rule: str | None) -> str:
        """``rule`` in plain words ("" when the bot gives none); a rule recorded with a
        detail after a colon (``learned_payer_iban: ...``) is looked up by its name."""
        name = (rule or "").split(":", 1)[0].strip()
        return next((note for key, note in self.rule_notes if key == name), "")


def generic_case_type(reason: str) -> CaseType:
    """What a case of a reason its bot did not declare gets: its data, and a retry."""
    return CaseType(reason=reason, title=reason.replace("_", " ").capitalize(),
                    description="This bot does not declare this reason; its data is shown "
                    "as the bot recorded it.")
