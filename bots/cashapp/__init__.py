"""Cash application: bank statement intake and the matching engine."""
