"""A reminder's subject and text from the dunning level's template in the customer's
language (English when the level has no template in it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from bots.collections.dunning import Decision

__all__ = ["Reminder", "render"]


@dataclass(frozen=True)
class Reminder:
    subject: str
    text: str
    language: str


def _amount(value: Decimal, language: str) -> str:
    text = f"{value:,.2f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".") if language == "de" \
        else text


def _date(day: dt.date, language: str) -> str:
    return f"{day:%d.%m.%Y}" if language == "de" else day.isoformat()


def render(decision: Decision, *, language: str, customer_name: str, collector: str,
           as_of: dt.date, reference: str, company: str, currency: str) -> Reminder:
    level = decision.level
    if level is None:
        raise ValueError(f"{decision.customer_id}: no reminder to write ({decision.skip})")
    lang = language if language in level.templates else "en"
    days = "Tage überfällig" if lang == "de" else "days overdue"
    due = "fällig" if lang == "de" else "due"
    items = "\n".join(
        f"  {i.invoice}  {due} {_date(i.due_date, lang)}  {i.days_overdue} {days}  "
        f"{_amount(i.open, lang)} {currency}" for i in decision.items)
    values = {"company": company, "customer_id": decision.customer_id,
              "customer_name": customer_name, "as_of": _date(as_of, lang),
              "level": str(level.level), "reference": reference, "items": items,
              "total": _amount(decision.total, lang), "currency": currency,
              "collector": collector}
    tpl = level.templates[lang]
    return Reminder(tpl["subject"].format_map(values).strip(),
                    tpl["body"].format_map(values).strip() + "\n", lang)
