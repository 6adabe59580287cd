"""The crm-sync bot's cases: a finance event the service desk did not take.

``CRM_REFUSED``: the desk refused the update (an account locked by another user, a note
longer than it takes, ...); the case shows the event, the fields the bot meant to set, the
desk's own message and the screenshot of the page that said it. ``CRM_NO_ACCOUNT``: the
desk has no account with the customer number. A person fixes the desk (or has it fixed)
and retries, or skips the event with a reason (the desk is then not updated for it).
"""

from __future__ import annotations

from bots.runtime.cases import CaseType, Evidence, Field, Resolution

__all__ = ["CASE_TYPES", "NO_ACCOUNT", "REFUSED", "RETRY_UPDATE"]

REFUSED, NO_ACCOUNT = "CRM_REFUSED", "CRM_NO_ACCOUNT"
RETRY_UPDATE = "retry_update"

_EVENT, _DESK = "Finance event", "Service desk"
EVIDENCE = (
    Evidence("event.type", "Event", group=_EVENT),
    Evidence("event.summary", "What happened", group=_EVENT),
    Evidence("event.customer_id", "Customer", group=_EVENT),
    Evidence("event.amount", "Amount", "money", _EVENT),
    Evidence("event.occurred_at", "When", group=_EVENT),
    Evidence("event.key", "Event key (the note's external reference)", "mono", _EVENT),
    Evidence("crm_message", "The desk said", group=_DESK),
    Evidence("crm_page", "Page", "mono", _DESK),
    Evidence("intended", "Fields the bot meant to set", "json", _DESK),
)

RESOLUTIONS = (
    Resolution(RETRY_UPDATE, "Update the desk again",
               help="once the desk takes it (the account unlocked, the rule fixed): the bot "
                    "repeats this event's update; a note already there is not added twice"),
    Resolution("skip", "Leave the desk as it is", carried_out=False,
               fields=(Field("reason", "Reason", "textarea", required=True,
                             help="why this event does not go to the service desk"),),
               help="the desk is not updated for this event; the case records why"),
)

CASE_TYPES = (
    CaseType(REFUSED, "The service desk refused a finance update",
             "The bot could not bring this finance event to the customer's account in the "
             "service desk: the desk refused the change with the message shown.",
             EVIDENCE, RESOLUTIONS),
    CaseType(NO_ACCOUNT, "No service-desk account for the customer",
             "The service desk has no account with this customer number, so service "
             "teams do not see this finance event.", EVIDENCE, RESOLUTIONS),
)
