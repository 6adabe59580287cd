"""The two markups of the ERP: field names and labels of the classic and the alt layout.

The alt layout (fault knob ``alt_layout``) is what a customer upgrade looks like to a bot:
iframes instead of a frameset, other menu labels, other form field names.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.erp.documents import CASH_DISCOUNT, WRITE_OFF_REASONS

ROWS = 5  # allocation rows on the cash-receipt form


@dataclass(frozen=True)
class Layout:
    alt: bool
    user_field: str
    password_field: str
    login_button: str
    menu_open_items: str
    menu_post: str
    menu_search: str
    menu_logout: str
    customer: str
    value_date: str
    bank_ref: str
    amount: str
    row_invoice: str  # format strings with {n} = 1..ROWS
    row_applied: str
    row_diff: str
    row_reason: str
    post_button: str
    filter_customer: str
    search_ref: str
    search_button: str
    export_button: str
    invoice_header: str
    confirmation_label: str
    no_payments: str

    def row(self, n: int) -> dict[str, str]:
        return {"invoice": self.row_invoice.format(n=n), "applied": self.row_applied.format(n=n),
                "diff": self.row_diff.format(n=n), "reason": self.row_reason.format(n=n)}

    def rows(self) -> list[dict[str, str]]:
        return [self.row(n) for n in range(1, ROWS + 1)]


CLASSIC = Layout(
    alt=False, user_field="userid", password_field="password", login_button="Login",
    menu_open_items="Open Items", menu_post="Cash Receipt", menu_search="Payment Inquiry",
    menu_logout="Log Off", customer="custId", value_date="valueDate", bank_ref="bankRef",
    amount="pmtAmount", row_invoice="inv{n}", row_applied="amt{n}", row_diff="diff{n}",
    row_reason="reason{n}", post_button="Post", filter_customer="customer",
    search_ref="bankRef", search_button="Search", export_button="Export CSV",
    invoice_header="Invoice No.", confirmation_label="Confirmation No.:",
    no_payments="No payments found",
)

ALT = Layout(
    alt=True, user_field="j_username", password_field="j_password", login_button="Sign On",
    menu_open_items="AR Open Item List", menu_post="Post Cash Receipt",
    menu_search="Find Payment", menu_logout="Sign Off", customer="customer_no",
    value_date="val_date", bank_ref="bank_reference", amount="receipt_amount",
    row_invoice="row{n}_invoice", row_applied="row{n}_applied", row_diff="row{n}_diff",
    row_reason="row{n}_reason", post_button="Save Receipt", filter_customer="custFilter",
    search_ref="reference", search_button="Find", export_button="Download (CSV)",
    invoice_header="Document", confirmation_label="Receipt No.:",
    no_payments="No payments found for this reference",
)

REASONS = (
    ("NONE", "-- none --"),
    *((code, f"{label} (write-off)") for code, label in WRITE_OFF_REASONS),
    CASH_DISCOUNT,
)


def pick(alt: bool) -> Layout:
    return ALT if alt else CLASSIC


def field(form: dict[str, str], classic_name: str, alt_name: str) -> str:
    """A posted value under either layout's name (a form rendered before a switch)."""
    return (form.get(classic_name) or form.get(alt_name) or "").strip()
