"""Cash-application matching: bank statement entries against open receivables.

``match_statement`` returns one ``MatchResult`` per entry. Only decisions at or above the
configured confidence are ``POST``; everything else is an exception with a reason code,
an explanation and the invoices a person should look at.
"""

from bots.cashapp.matching.config import MatchingConfig, load_config
from bots.cashapp.matching.duplicates import PostedPayment
from bots.cashapp.matching.engine import RULES, match_statement, run_rules
from bots.cashapp.matching.index import CustomerRecord, OpenItemIndex
from bots.cashapp.matching.openitems_csv import load_open_items_csv

__all__ = [
    "RULES",
    "CustomerRecord",
    "MatchingConfig",
    "OpenItemIndex",
    "PostedPayment",
    "load_config",
    "load_open_items_csv",
    "match_statement",
    "run_rules",
]
