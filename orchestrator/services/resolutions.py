"""A case's type and its resolutions, from the declaration of the bot that opened it.

The web pages and the API show and resolve any bot's cases through this module: it finds
the case's bot through the registry (a generic case type when the bot cannot be loaded),
offers the declared resolutions (and ``retry`` on a technical failure), reads a person's
input against the resolution's fields, runs its ``prepare`` hook (bot code, in-process)
and hands the result to :meth:`~orchestrator.store.Store.request_resolution`, where
maker-checker is enforced.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bots.runtime import Bot
from bots.runtime.cases import (
    RETRY,
    CaseType,
    Evidence,
    Field,
    PreparedResolution,
    Resolution,
    generic_case_type,
)
from bots.runtime.errors import PermissionDeniedError
from bots.runtime.money import parse_amount
from orchestrator.store import Store
from orchestrator.store.case_ops import CaseOutcome
from orchestrator.store.models import ExceptionCase

__all__ = ["CaseTypes", "ResolutionCheck", "case_view", "check_decider", "check_resolution",
           "field_default",
           "headline", "offered", "pick", "read_values", "resolve_case"]

log = logging.getLogger(__name__)

MAX_TEXT = 4000
MAX_ROWS = 50
SHARED_SECONDS = 10.0


class CaseTypes:
    """Case types by bot and reason; each bot is looked up once per instance.

    :meth:`shared` is one instance for the whole process, looked up again after
    :data:`SHARED_SECONDS` (a bot installed or changed meanwhile is seen then).
    """

    _shared: CaseTypes | None = None
    _shared_at = 0.0

    def __init__(self) -> None:
        self._bots: dict[str, Bot | None] = {}

    @classmethod
    def shared(cls) -> CaseTypes:
        now = time.monotonic()
        if cls._shared is None or now - cls._shared_at > SHARED_SECONDS:
            cls._shared, cls._shared_at = CaseTypes(), now
        return cls._shared

    def bot(self, name: str | None) -> Bot | None:
        if not name:
            return None
        if name not in self._bots:
            from orchestrator.registry import load_bot

            try:
                self._bots[name] = load_bot(name)
            except Exception as exc:  # a bot that does not load still has readable cases
                log.warning("case types of bot %r: %s", name, exc)
                self._bots[name] = None
        return self._bots[name]

    def of(self, case: ExceptionCase) -> CaseType:
        """The case type the case's bot declares for its reason (else a generic one)."""
        bot = self.bot(case.bot)
        return bot.case_type(case.reason_code) if bot is not None \
            else generic_case_type(case.reason_code)


def offered(case_type: CaseType, case: ExceptionCase) -> list[Resolution]:
    """The resolutions a person may choose for ``case``, most useful first.

    ``retry`` comes first on a technical failure; a resolution the bot carries out needs
    the case's work item, so it is left out for a case without one.
    """
    technical = (case.data or {}).get("failure_kind") == "application"
    declared = [r for r in case_type.resolutions if r.name != RETRY.name]
    out = ([RETRY] if technical else []) + declared
    has_item = case.work_item_id is not None
    return [r for r in out if has_item or not r.carried_out]


def case_view(case: ExceptionCase, requested_by: str | None = None) -> dict[str, Any]:
    """The case as a ``prepare`` hook sees it (plain data, never the store's record)."""
    return {"id": case.id, "reference": case.reference, "reason_code": case.reason_code,
            "amount": case.amount, "customer_id": case.customer_id, "bot": case.bot,
            "data": dict(case.data or {}), "candidates": [dict(c) for c in case.candidates or []],
            "requested_by": requested_by}


def field_default(field: Field, case: ExceptionCase) -> str:
    """What the form shows before the person types: ``=path`` into case data, or a literal."""
    if not field.default:
        return ""
    if field.default.startswith("="):
        value = Evidence(field.default[1:], field.label).value(case.data or {})
        return "" if value is None else str(value)
    return field.default


def headline(case_type: CaseType, case: ExceptionCase) -> tuple[str | None, str | None]:
    """``(who, currency)`` for the inbox row: the first declared text evidence (e.g. the
    payer) and the evidence whose path ends in ``currency``, when the bot declares them."""
    data = case.data or {}
    who = next((v for e in case_type.evidence if e.kind == "text"
                and (v := e.value(data)) not in (None, "")), None)
    currency = next((v for e in case_type.evidence if e.path.rsplit(".", 1)[-1] == "currency"
                     and (v := e.value(data)) not in (None, "")), None)
    return (None if who is None else str(who)), (None if currency is None else str(currency))


# -- a person's input -----------------------------------------------------------------------
def _text(field: Field, raw: Any) -> str | None:
    if isinstance(raw, Mapping | list | tuple):
        raise ValueError(f"{field.label}: text expected")
    text = "" if raw is None else str(raw).strip()
    if len(text) > MAX_TEXT:
        raise ValueError(f"{field.label}: at most {MAX_TEXT} characters")
    return text or None


def _rows(field: Field, raw: Any) -> list[dict[str, Any]] | None:
    if raw in (None, "", []):
        return None
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes) \
            or not all(isinstance(r, Mapping) for r in raw):
        raise ValueError(f"{field.label}: a list of rows expected")
    if len(raw) > MAX_ROWS:
        raise ValueError(f"{field.label}: at most {MAX_ROWS} rows")
    rows = []
    for row in raw:
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, bool) or value is None:
                clean[str(key)[:60]] = value
            elif isinstance(value, int | str | Decimal):
                clean[str(key)[:60]] = str(value).strip()[:200]
            else:
                raise ValueError(f"{field.label}: {key} must be text or a number")
        rows.append(clean)
    return rows


def _value(field: Field, raw: Any) -> Any:
    """One field's input as its kind (None when empty); ValueError names the field."""
    if field.kind == "allocations":
        return _rows(field, raw)
    if field.kind == "checkbox":
        return raw is True or str(raw).strip().lower() in ("1", "true", "yes", "on")
    text = _text(field, raw)
    if text is None:
        return None
    if field.kind == "money":
        return parse_amount(text, field.label.lower(), allow_zero=True)
    if field.kind == "number":
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{field.label}: {text!r} is not a number") from None
        if not number.is_finite():
            raise ValueError(f"{field.label}: {text!r} is not a number")
        return number
    if field.kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(f"{field.label}: {text!r} is not a date (YYYY-MM-DD)") from None
    if field.kind == "choice" and text not in {value for value, _ in field.choices}:
        raise ValueError(f"{field.label}: choose one of "
                         f"{', '.join(v for v, _ in field.choices)}")
    return text


def read_values(resolution: Resolution, raw: Mapping[str, Any], *,
                strict: bool = False) -> dict[str, Any]:
    """The person's input for ``resolution``, checked against its fields.

    ``strict`` (the API) refuses names the resolution does not declare; a form's other
    inputs are ignored.
    """
    names = {f.name for f in resolution.fields}
    unknown = sorted(set(raw) - names)
    if strict and unknown:
        raise ValueError(f"{resolution.name} has no field {unknown[0]!r} (its fields: "
                         f"{', '.join(sorted(names)) or 'none'})")
    values: dict[str, Any] = {}
    for field in resolution.fields:
        value = _value(field, raw.get(field.name))
        if field.required and value in (None, "", [], False):
            raise ValueError(f"{field.label}: required")
        if value is not None:
            values[field.name] = value
    return values


def _prepare(resolution: Resolution, case: ExceptionCase, values: Mapping[str, Any],
             actor: str | None) -> PreparedResolution:
    """The bot's ``prepare`` hook, or: no payload, the first money field as the amount."""
    if resolution.prepare is not None:
        return resolution.prepare(case_view(case, actor), values)
    amount = next((values[f.name] for f in resolution.fields
                   if f.kind == "money" and f.name in values), None)
    note = next((str(values[f.name]) for f in resolution.fields
                 if f.kind in ("text", "textarea") and f.name in values), "")
    return PreparedResolution(amount=amount, summary=resolution.label
                              + (f": {note}" if note else ""))


def pick(types: CaseTypes, case: ExceptionCase, name: str) -> Resolution:
    """The offered resolution ``name`` of the case (ValueError when it does not fit)."""
    choices = offered(types.of(case), case)
    found = next((r for r in choices if r.name == name), None)
    if found is None:
        fitting = ", ".join(r.name for r in choices) or "none"
        raise ValueError(f"{name.replace('_', ' ')} does not fit a {case.reason_code} case "
                         f"(it offers: {fitting})")
    return found


def check_decider(case: ExceptionCase, actor: str, actor_roles: Sequence[str]) -> None:
    """A case whose data names ``decided_by_roles`` (the bot's routing, e.g. a credit case
    above the analyst's limit) is decided only by a holder of one of them."""
    wanted = (case.data or {}).get("decided_by_roles")
    if not wanted or not isinstance(wanted, list):
        return
    if not {str(r) for r in wanted} & set(actor_roles):
        raise PermissionDeniedError(
            f"case {case.id} is routed to {' or '.join(str(r) for r in wanted)}: {actor} "
            "holds neither role")


def resolve_case(store: Store, case_id: int, actor: str, name: str, raw: Mapping[str, Any],
                 *, strict: bool = False, types: CaseTypes | None = None,
                 actor_roles: Sequence[str] | None = None) -> CaseOutcome:
    """A person chooses the resolution ``name`` of the case with their input ``raw``.

    ValueError (422) when it does not fit the case or the input is refused (by the fields
    or by the bot's ``prepare`` hook); PermissionDeniedError (403) when the case is routed
    to roles ``actor_roles`` does not hold (:func:`check_decider`; pages and the API pass
    the person's roles); the store's refusals otherwise.
    """
    case = store.get_case(case_id)
    if actor_roles is not None:
        check_decider(case, actor, actor_roles)
    resolution = pick(types or CaseTypes.shared(), case, name)
    if resolution is RETRY:
        return store.retry_case(case_id, actor)
    values = read_values(resolution, raw, strict=strict)
    prepared = _prepare(resolution, case, values, actor)
    amount = None if prepared.amount is None else Decimal(str(prepared.amount))
    return store.request_resolution(
        case_id, actor, resolution.name, payload=prepared.payload, values=values,
        amount=amount, approval_kind=resolution.approval, carried_out=resolution.carried_out,
        summary=prepared.summary or resolution.label,
        limit=None if prepared.limit is None else Decimal(str(prepared.limit)),
        approvers=prepared.approvers)


@dataclass(frozen=True, slots=True)
class ResolutionCheck:
    """A live check of a form: what would happen, or what is wrong."""

    prepared: PreparedResolution | None
    problem: str = ""
    needs_approval: bool = False


def check_resolution(store: Store, case: ExceptionCase, name: str, raw: Mapping[str, Any],
                     actor: str, *, types: CaseTypes | None = None) -> ResolutionCheck:
    """Run the fields and the ``prepare`` hook without resolving anything."""
    try:
        resolution = pick(types or CaseTypes.shared(), case, name)
        values = read_values(resolution, raw)
        prepared = _prepare(resolution, case, values, actor)
    except ValueError as exc:
        return ResolutionCheck(None, str(exc))
    amount = None if prepared.amount is None else Decimal(str(prepared.amount))
    return ResolutionCheck(prepared, "", bool(prepared.approvers) or store.needs_approval(
        resolution.approval, amount, case.id))
