"""finbots bots: the runtime every bot uses, the cash-application library and the bots."""
