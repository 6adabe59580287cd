"""The collections bot's cases: the collector's task after the last dunning level."""

from __future__ import annotations

from bots.runtime.cases import CaseType, Evidence, Field, Resolution

__all__ = ["CASE_TYPES", "COLLECTOR_FOLLOW_UP"]

COLLECTOR_FOLLOW_UP = "COLLECTOR_FOLLOW_UP"
_ACCOUNT, _SENT = "Account", "Final reminder"

CASE_TYPES = (
    CaseType(
        reason=COLLECTOR_FOLLOW_UP,
        title="Final reminder sent: collector to follow up",
        description="The customer reached the last dunning level: the final reminder went "
        "out, the customer is blocked from further dunning, and the collector calls.",
        evidence=(
            Evidence("customer_id", "Customer", "mono", _ACCOUNT),
            Evidence("customer_name", "Name", group=_ACCOUNT),
            Evidence("collector", "Collector", group=_ACCOUNT),
            Evidence("risk_class", "Risk class", group=_ACCOUNT),
            Evidence("overdue_total", "Overdue", "money", _ACCOUNT),
            Evidence("oldest_days", "Oldest item (days overdue)", group=_ACCOUNT),
            Evidence("invoices", "Invoices reminded", "json", _SENT),
            Evidence("reference", "Reminder reference", "mono", _SENT),
            Evidence("message_id", "Message-ID", "mono", _SENT),
            Evidence("sent_to", "Sent to", group=_SENT),
            Evidence("as_of", "As of", "date", _SENT),
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
