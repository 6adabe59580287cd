/* Northwind Billing - core: API client, router, helpers, sign-in view. */
"use strict";

const ALT = document.body.dataset.layout === "alt";
const STATUS_LABELS = { open: "Open", paid: "Paid", partially_paid: "Partially paid", disputed: "Disputed",
  credited: "Credited", partially_credited: "Partially credited" };
const state = { user: null, notice: "" };
const root = document.getElementById("app");

function esc(value) {
  return String(value == null ? "" : value).replace(/[&<>"']/g, (c) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function money(amount, currency) {
  const n = Number(amount);
  return n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " " + (currency || "EUR");
}

function badge(status) {
  const cls = ALT ? "pill pill-" : "badge badge-";
  return `<span class="${cls}${esc(status)}">${esc(STATUS_LABELS[status] || status)}</span>`;
}

function spinner() {
  return ALT ? '<div class="loading-dots" role="progressbar" aria-label="Loading">Loading</div>'
             : '<div class="spinner-wrap"><div class="spinner" role="progressbar" aria-label="Loading"></div><span>Loading…</span></div>';
}

function toast(text) {
  const el = document.createElement("div");
  el.className = ALT ? "snackbar" : "toast";
  el.setAttribute("role", "status");
  el.textContent = text;
  document.getElementById("toasts").appendChild(el);
  setTimeout(() => el.remove(), 3000);
}

/* fetch JSON; a lost session sends the user back to the sign-in view. */
async function api(path, options) {
  const opts = Object.assign({ credentials: "same-origin", headers: { "Content-Type": "application/json" } }, options || {});
  let response;
  try {
    response = await fetch(path, opts);
  } catch (err) {
    return { ok: false, status: 0, data: { message: "The server cannot be reached." } };
  }
  let data = {};
  try { data = await response.json(); } catch (err) { data = { message: `Server error (${response.status}). Please try again.` }; }
  if (response.status === 401 && path !== "/api/login") {
    state.user = null;
    state.notice = data.message || "Please sign in.";
    go("#/login");
  }
  return { ok: response.ok, status: response.status, data: data };
}

function shell(inner) {
  const nav = ALT
    ? `<nav class="topbar alt"><span class="brand">Billing Hub</span><a href="#/invoices">Invoice search</a><button type="button" class="link" id="logout">Log out</button></nav>`
    : `<header class="topbar"><span class="brand">Northwind Billing</span><a href="#/invoices">Invoices</a><span class="who">${esc(state.user)}</span><button type="button" class="link" id="logout">Sign out</button></header>`;
  root.innerHTML = nav + `<main class="page">${inner}</main>`;
  document.getElementById("logout").addEventListener("click", async () => {
    await api("/api/logout", { method: "POST" });
    state.user = null;
    state.notice = "You have been signed out.";
    go("#/login");
  });
}

function renderLogin() {
  const notice = state.notice ? `<p class="notice" role="alert">${esc(state.notice)}</p>` : "";
  root.innerHTML = ALT
    ? `<div class="auth-box"><h1>Billing Hub</h1>${notice}<form class="auth" id="auth-form">
        <input name="user" id="login-user" placeholder="Username" aria-label="Username" autocomplete="username">
        <input name="pass" id="login-pass" type="password" placeholder="Password" aria-label="Password">
        <button type="submit" class="primary">Log in</button><p class="form-error" role="alert"></p></form></div>`
    : `<div class="login-card"><h1>Northwind Billing</h1>${notice}<form id="login-form">
        <label for="username">Username</label><input id="username" name="username" autocomplete="username">
        <label for="password">Password</label><input id="password" name="password" type="password">
        <button type="submit" class="btn btn-primary">Sign in</button><p class="form-error" role="alert"></p></form></div>`;
  const form = root.querySelector("form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const fields = form.querySelectorAll("input");
    const res = await api("/api/login", { method: "POST", body: JSON.stringify({ username: fields[0].value, password: fields[1].value }) });
    if (!res.ok) { form.querySelector(".form-error").textContent = res.data.message || "Sign-in failed."; return; }
    state.user = res.data.user;
    state.notice = "";
    go("#/invoices");
  });
}

/* Navigate; renders at once when the hash does not change. */
function go(hash) {
  if (location.hash === hash) { route(); } else { location.hash = hash; }
}

function route() {
  const hash = location.hash || "#/invoices";
  if (!state.user) { renderLogin(); return; }
  const [path, query] = hash.slice(1).split("?");
  const detail = path.match(/^\/invoices\/(.+)$/);
  if (detail) { renderDetail(decodeURIComponent(detail[1])); return; }
  if (path === "/login") { location.hash = "#/invoices"; return; }
  renderSearch(new URLSearchParams(query || ""));
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", async () => {
  const res = await fetch("/api/me", { credentials: "same-origin" });
  if (res.ok) { state.user = (await res.json()).user; }
  route();
});
