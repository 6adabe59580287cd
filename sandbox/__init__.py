"""Sandbox target systems: a bank site, a legacy ERP and a billing portal on loopback."""
