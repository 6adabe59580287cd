/* NWC Financials AR 4.2 - client scripts (customer lookup popup, cash receipt checks). */

function openLookup(fieldName) {
  var url = "/ar/custlookup.do?field=" + encodeURIComponent(fieldName);
  window.open(url, "custLookup", "width=520,height=420,scrollbars=yes,resizable=yes");
  return false;
}

/* Called from the popup: fill the opener's customer field and close. */
function selectCustomer(fieldName, customerId, customerName) {
  var opener = window.opener;
  if (opener && !opener.closed) {
    var form = opener.document.forms[opener.document.forms.length - 1];
    for (var i = 0; i < opener.document.forms.length; i++) {
      if (opener.document.forms[i].elements[fieldName]) { form = opener.document.forms[i]; }
    }
    form.elements[fieldName].value = customerId;
    var label = opener.document.getElementById("custName");
    if (label) { label.innerHTML = ""; label.appendChild(opener.document.createTextNode(customerName)); }
  }
  window.close();
  return false;
}

function trim(s) { return s.replace(/^\s+|\s+$/g, ""); }

/* Amount text to cents, or null. A comma is refused: this system wants a dot. */
function toCents(text) {
  if (!/^\d{1,12}(\.\d{1,2})?$/.test(text)) { return null; }
  var parts = text.split(".");
  var frac = (parts[1] || "") + "00";
  return parseInt(parts[0], 10) * 100 + parseInt(frac.substring(0, 2), 10);
}

function centsText(c) {
  var s = String(c % 100);
  return Math.floor(c / 100) + "." + (s.length < 2 ? "0" + s : s);
}

function validateReceipt(form) {
  var f = RECEIPT_FIELDS;
  var val = function (name) { return form.elements[name] ? trim(form.elements[name].value) : ""; };
  var action = val(f.restAction) || "NONE";
  var restText = val(f.restAmount) || "0";
  var rest = toCents(restText);
  if (rest === null) { alert("Invalid rest amount '" + restText + "'."); return false; }
  var rows = 0;
  for (var j = 0; j < f.rows.length; j++) { if (val(f.rows[j].invoice) !== "") { rows++; } }
  var noCustomerNeeded = rows === 0 && (action === "SUSPENSE" || action === "REFUND");
  if (val(f.customer) === "" && !noCustomerNeeded) { alert("Customer is required."); return false; }
  var date = val(f.valueDate);
  if (!/^\d{2}\.\d{2}\.\d{4}$/.test(date) && !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    alert("Invalid value date '" + date + "' (DD.MM.YYYY)."); return false;
  }
  if (val(f.bankRef) === "") { alert("Bank reference is required."); return false; }
  var amountText = val(f.amount);
  if (amountText.indexOf(",") >= 0) {
    alert("Invalid payment amount '" + amountText + "': use a dot as decimal separator.");
    return false;
  }
  var amount = toCents(amountText);
  if (amount === null || amount <= 0) { alert("Invalid payment amount '" + amountText + "'."); return false; }
  var applied = 0;
  for (var i = 0; i < f.rows.length; i++) {
    var r = f.rows[i];
    if (val(r.invoice) === "") { continue; }
    var texts = [val(r.applied) || "0", val(r.diff) || "0"];
    for (var k = 0; k < texts.length; k++) {
      if (texts[k].indexOf(",") >= 0) {
        alert("Invalid amount '" + texts[k] + "' in row " + (i + 1) + ": use a dot as decimal separator.");
        return false;
      }
      if (toCents(texts[k]) === null) { alert("Invalid amount '" + texts[k] + "' in row " + (i + 1) + "."); return false; }
    }
    applied += toCents(texts[0]);
  }
  if (rows === 0 && action === "NONE") { alert("Enter at least one allocation."); return false; }
  if (action === "NONE" && rest > 0) { alert("Choose what happens to the rest of the payment."); return false; }
  if (action === "NONE" && applied !== amount) {
    alert("Allocated amounts (" + centsText(applied) + ") do not match the payment amount (" + centsText(amount) + ").");
    return false;
  }
  if (action !== "NONE" && applied + rest !== amount) {
    alert("Allocated amounts (" + centsText(applied) + ") and the rest (" + centsText(rest) + ") do not match the payment amount (" + centsText(amount) + ").");
    return false;
  }
  return true;
}
