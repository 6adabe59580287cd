/* Northwind Billing - views: invoice search with delayed results, invoice detail, status change. */
"use strict";

let renderToken = 0;

function statusOptions(selected, withAll) {
  const all = withAll ? `<option value="">${ALT ? "Any state" : "All statuses"}</option>` : "";
  return all + Object.keys(STATUS_LABELS).map((s) =>
    `<option value="${s}"${s === selected ? " selected" : ""}>${STATUS_LABELS[s]}</option>`).join("");
}

function renderSearch(params) {
  const number = params.get("number") || "", customer = params.get("customer") || "", status = params.get("status") || "";
  shell(ALT
    ? `<h1>Invoice search</h1><form class="filters" id="filter-form">
        <input name="invoiceNo" placeholder="Invoice no." aria-label="Invoice no." value="${esc(number)}">
        <input name="customerName" placeholder="Customer" aria-label="Customer" value="${esc(customer)}">
        <select name="state" aria-label="State">${statusOptions(status, true)}</select>
        <button type="submit" class="primary">Find</button></form><div id="result-area"></div>`
    : `<h1>Invoices</h1><form id="search-form" class="search">
        <label>Invoice number <input name="number" value="${esc(number)}"></label>
        <label>Customer <input name="customer" value="${esc(customer)}"></label>
        <label>Status <select name="status">${statusOptions(status, true)}</select></label>
        <button type="submit" class="btn btn-primary">Search</button></form><div id="results-panel"></div>`);
  const form = root.querySelector("form");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = form.elements;
    const q = new URLSearchParams({ search: "1", number: f[0].value.trim(), customer: f[1].value.trim(), status: f[2].value });
    go("#/invoices?" + q.toString());
  });
  if (params.get("search")) { loadResults(number, customer, status); }
}

async function loadResults(number, customer, status) {
  const token = ++renderToken;
  const area = root.querySelector(ALT ? "#result-area" : "#results-panel");
  area.innerHTML = spinner();
  const q = new URLSearchParams({ number: number, customer: customer, status: status });
  const res = await api("/api/invoices?" + q.toString());
  if (token !== renderToken || !res.ok) {
    if (token === renderToken && res.status !== 401) { area.innerHTML = `<p class="error-banner">${esc(res.data.message)}</p>`; }
    return;
  }
  const rows = res.data.invoices;
  if (!rows.length) { area.innerHTML = `<p class="empty">${ALT ? "Nothing matches your filters." : "No invoices found."}</p>`; return; }
  area.innerHTML = ALT
    ? `<div class="cards" id="result-cards">${rows.map((r) => `<div class="invoice-card" data-invoice="${esc(r.invoice_number)}">
        <a class="card-title" href="#/invoices/${encodeURIComponent(r.invoice_number)}">${esc(r.invoice_number)}</a>
        <div class="card-customer">${esc(r.customer_name)}</div><div class="card-amount">${money(r.amount, r.currency)}</div>${badge(r.status)}</div>`).join("")}</div>`
    : `<p class="count">${rows.length} invoice(s)</p><table class="results" id="results"><thead><tr><th>Invoice</th><th>Customer</th><th>Due</th><th class="num">Amount</th><th>Status</th></tr></thead><tbody>
        ${rows.map((r) => `<tr data-invoice="${esc(r.invoice_number)}"><td><a href="#/invoices/${encodeURIComponent(r.invoice_number)}">${esc(r.invoice_number)}</a></td>
        <td>${esc(r.customer_id)} ${esc(r.customer_name)}</td><td>${esc(r.due_date)}</td><td class="num">${money(r.amount, r.currency)}</td><td>${badge(r.status)}</td></tr>`).join("")}</tbody></table>`;
}

function historyHtml(notes) {
  return notes.slice().reverse().map((n) => `<li><time datetime="${esc(n.at)}">${esc(n.at.replace("T", " ").slice(0, 16))}</time>
    <span class="author">${esc(n.author)}</span> ${badge(n.status)} <span class="note-text">${esc(n.text)}</span></li>`).join("");
}

function detailHtml(inv) {
  const facts = [["Customer", "customer", `${inv.customer_id} ${inv.customer_name}`], ["Amount", "amount", money(inv.amount, inv.currency)],
    ["Due date", "due_date", inv.due_date], ["Status", "status", null]];
  if (ALT) {
    return `<div class="invoice-panel" id="invoice-panel"><a href="#/invoices" class="back">Back</a><h1 class="doc-no">${esc(inv.invoice_number)}</h1>
      <div class="kv-grid">${facts.map(([label, key, v]) => `<div class="kv"><span class="k">${label}</span><span class="v" data-key="${key}">${v === null ? badge(inv.status) : esc(v)}</span></div>`).join("")}</div>
      <form id="change-status" class="status-form"><select id="state-picker" name="newState" aria-label="New state">${statusOptions(inv.status, false)}</select>
      <textarea id="comment" name="comment" placeholder="Comment (required)" aria-label="Comment"></textarea>
      <button type="submit" class="primary">Update status</button><p class="form-error" role="alert"></p></form>
      <h2>Activity</h2><ul class="activity" id="activity">${historyHtml(inv.notes)}</ul></div>`;
  }
  return `<section id="invoice-detail"><a href="#/invoices" class="back">&larr; Back to invoices</a><h1 class="invoice-number">${esc(inv.invoice_number)}</h1>
    <dl class="facts">${facts.map(([label, key, v]) => `<dt>${label}</dt><dd data-field="${key}">${v === null ? badge(inv.status) : esc(v)}</dd>`).join("")}</dl>
    <h2>Change status</h2><form id="status-form"><label for="status-select">New status</label><select id="status-select" name="status">${statusOptions(inv.status, false)}</select>
    <label for="status-note">Note</label><textarea id="status-note" name="note" rows="3"></textarea>
    <button type="submit" class="btn btn-primary" id="status-save">Save</button><p class="form-error" role="alert"></p></form>
    <h2>History</h2><ol class="history" id="history">${historyHtml(inv.notes)}</ol></section>`;
}

async function renderDetail(number) {
  const token = ++renderToken;
  shell(`<div id="detail-area">${spinner()}</div>`);
  const res = await api("/api/invoices/" + encodeURIComponent(number));
  if (token !== renderToken) { return; }
  const area = root.querySelector("#detail-area");
  if (!res.ok) { if (res.status !== 401) { area.innerHTML = `<p class="error-banner">${esc(res.data.message)}</p>`; } return; }
  showDetail(area, res.data);
}

function showDetail(area, inv) {
  area.innerHTML = detailHtml(inv);
  const form = area.querySelector("form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const error = form.querySelector(".form-error");
    const status = form.querySelector("select").value, note = form.querySelector("textarea").value.trim();
    if (!note) { error.textContent = ALT ? "Please add a comment." : "A note is required."; return; }
    const button = form.querySelector("button");
    button.disabled = true;
    error.textContent = "";
    const res = await api(`/api/invoices/${encodeURIComponent(inv.invoice_number)}/status`, { method: "POST", body: JSON.stringify({ status: status, note: note }) });
    button.disabled = false;
    if (!res.ok) { if (res.status !== 401) { error.textContent = res.data.message || "Update failed."; } return; }
    showDetail(area, res.data);
    toast("Status updated");
  });
}
