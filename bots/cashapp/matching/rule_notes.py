"""The matching rules' names in plain words, for the people who read a decision."""

from __future__ import annotations

__all__ = ["RULE_NOTES"]

RULE_NOTES: tuple[tuple[str, str], ...] = (
    ("structured_reference", "The payment carries a valid creditor reference (RF...) that "
     "belongs to an open invoice."),
    ("remittance_advice", "The customer's remittance advice says which invoices the payment "
     "is for and how much of each."),
    ("invoice_exact", "The invoice number appears in the payment text, character for "
     "character."),
    ("invoice_ocr", "The invoice number appears in the payment text once look-alike "
     "characters are read alike (O and 0, I and 1, S and 5, B and 8)."),
    ("invoice_core", "The invoice number appears without its letters (e.g. 2026-1006 for "
     "INV-2026-1006)."),
    ("invoice_fuzzy", "The payment text is close to, but not the same as, one of the payer's "
     "invoice numbers."),
    ("invoice_reference", "The payment text names invoice numbers; they decide which "
     "invoices are paid."),
    ("amount_single", "No reference: the payer has exactly one open invoice of this "
     "amount."),
    ("amount_combination", "No reference: exactly one combination of the payer's open "
     "invoices adds up to this amount."),
    ("amount", "No reference, and no open amount of the payer (or combination) equals "
     "the payment."),
    ("payer", "The payer could not be tied to a customer by name, IBAN or reference."),
    ("duplicate", "Payer, amount and reference repeat a payment received before."),
    ("debit", "Money out of the account: not a customer payment."),
    ("learned_payer_iban", "A person's earlier decision taught the bot that this IBAN pays "
     "for this customer."),
)
