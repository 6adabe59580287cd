"""Billing validation: drafts checked against contract, schedule, master data, tax and PO."""
