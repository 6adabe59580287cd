"""The cases the replies and promises phase opens for the customer's collector: a reply the
bot could not read with confidence, and a promise to pay that was broken or only partly
kept. Both carry the mail (``.eml`` and its text) as evidence."""

from __future__ import annotations

from bots.runtime.cases import CaseType, Evidence, Field, Resolution

__all__ = ["BROKEN_PROMISE", "PROMISE_CASE_TYPES", "UNREADABLE_REPLY"]

UNREADABLE_REPLY, BROKEN_PROMISE = "UNREADABLE_REPLY", "BROKEN_PROMISE"
_MAIL, _PROMISE, _CUSTOMER = "Mail", "Promise to pay", "Customer"

PROMISE_CASE_TYPES = (
    CaseType(
        reason=UNREADABLE_REPLY,
        title="Customer reply the bot could not read",
        description="A customer answered a reminder, but no rule read a promise (one date, "
        "one amount), a payment, a dispute or an autoreply from it with confidence. Read "
        "the mail and act: record the promise from the worklist, or note what was said.",
        evidence=(
            Evidence("customer_id", "Customer", "mono", _CUSTOMER),
            Evidence("collector", "Collector", group=_CUSTOMER),
            Evidence("sender", "From", group=_MAIL),
            Evidence("subject", "Subject", group=_MAIL),
            Evidence("received", "Received", group=_MAIL),
            Evidence("reason", "Why the bot could not read it", group=_MAIL),
            Evidence("text", "What the customer wrote", group=_MAIL),
            Evidence("message_id", "Message-ID", "mono", _MAIL),
        ),
        resolutions=(
            Resolution("handled", "Read and handled", carried_out=False,
                       fields=(Field("note", "What the customer said and what was done",
                                     kind="textarea", required=True),)),
        ),
    ),
    CaseType(
        reason=BROKEN_PROMISE,
        title="Promise to pay broken",
        description="The promised date (and its grace days) passed and the promised "
        "invoices were not paid, or only in part. The mail that made the promise is "
        "attached when it came by mail.",
        evidence=(
            Evidence("customer_id", "Customer", "mono", _CUSTOMER),
            Evidence("collector", "Collector", group=_CUSTOMER),
            Evidence("status", "Judged", group=_PROMISE),
            Evidence("promised_date", "Promised for", "date", _PROMISE),
            Evidence("amount", "Promised", "money", _PROMISE),
            Evidence("paid", "Paid since", "money", _PROMISE),
            Evidence("invoices", "Invoices", "json", _PROMISE),
            Evidence("source", "Made by", group=_PROMISE),
            Evidence("message_id", "Message-ID", "mono", _PROMISE),
        ),
        resolutions=(
            Resolution("contacted", "Customer contacted", carried_out=False,
                       fields=(Field("note", "What was agreed", kind="textarea",
                                     required=True),)),
            Resolution("hand_over", "Hand over to a collection agency or legal",
                       carried_out=False,
                       fields=(Field("note", "Why", kind="textarea", required=True),)),
        ),
    ),
)
