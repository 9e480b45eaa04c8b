"""The inbox page (GET /__mock__/ui): what a developer testing by hand keeps open, as they would keep Mailpit
open. One self-contained HTML page, no external asset: twice a second it asks GET /__mock__/state?view=page
(feed.py) for the newest 200 rows of each store, with If-None-Match, so a poll while nothing changed is a
bodiless 304. It shows the sessions with their current code (counted down by the page), the provisioned cards
with their binding and payment instructions and their ids (never a payment credential: the mock keeps none), the
request journal (newest first) and the pending faults, with the totals; it filters by operation and by customer,
opens one exchange in detail (its request, its answer and its refusal code, as the journal keeps them: masked),
and has buttons to advance the clock and to reset. Every value is written as text (`textContent`), never as
HTML, so a session identifier cannot inject script; the page never shows an API key (the journal masks it).

Its content security policy allows its own inline script and style by their hashes, its calls to the mock,
and its icon (a `data:` SVG): nothing else, so the browser logs no error on load."""

from __future__ import annotations

import base64
import hashlib

ICON = ("data:image/svg+xml,%3Csvg xmlns='http%3A//www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
        "%3Crect width='16' height='16' rx='3' fill='%23245'/%3E%3C/svg%3E")  # fmt: skip

STYLE = """
  body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #1b1f23; }
  h1 { font-size: 1.3rem; } h2 { font-size: 1.05rem; margin-top: 1.6rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  th { background: #f3f4f6; } .code { font: 700 1.2rem ui-monospace, monospace; letter-spacing: .1rem; }
  .empty { color: #6b7280; font-style: italic; } button { margin-right: .5rem; }
  #status, .count { color: #6b7280; margin-left: .5rem; font-weight: normal; }
  #filters { margin-top: 1rem; } #filters label { margin-right: 1rem; }
  #detail { border: 1px solid #c7cdd4; border-radius: 6px; padding: .2rem 1rem 1rem; margin-top: 1.6rem; }
  #detail pre { font: 12px ui-monospace, monospace; background: #f6f8fa; padding: .6rem; white-space: pre-wrap;
                overflow-wrap: anywhere; max-height: 24rem; overflow: auto; }
  #detail dt { font-weight: 600; } #detail dd { margin: 0 0 .4rem 0; }
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Juspay mock inbox</title>
<link rel="icon" href="%(icon)s">
<style>%(style)s</style>
</head>
<body>
<h1>Juspay mock inbox</h1>
<div>
  <button id="advance-60">Advance clock 1 min</button>
  <button id="advance-300">Advance clock 5 min</button>
  <button id="reset">Reset</button>
  <span id="status">connecting…</span>
</div>
<div id="filters">
  <label>Operation <select id="filter-operation"><option value="">all operations</option></select></label>
  <label>Customer <input id="filter-customer" placeholder="customerId (exact)" size="24"></label>
</div>
<h2>Sessions <span class="count" id="sessions-count"></span></h2>
<table id="sessions"><thead><tr><th>tokenReference</th><th>clientReferenceId</th><th>state</th><th>code</th>
<th>OTP requests left</th><th>attempts left</th><th>expires in</th></tr></thead><tbody></tbody></table>
<h2>Cards <span class="count" id="cards-count"></span></h2>
<table id="cards"><thead><tr><th>customerId</th><th>vProvisionedTokenId</th><th>tokenReference</th>
<th>clientReferenceId</th><th>bound</th><th>payment instructions</th></tr></thead><tbody></tbody></table>
<h2>Requests, newest first <span class="count" id="requests-count"></span></h2>
<table id="requests"><thead><tr><th>received</th><th>operation</th><th>status</th><th>refusal code</th>
<th>customer</th><th></th></tr></thead><tbody></tbody></table>
<section id="detail" hidden>
<h2 id="detail-title">Exchange</h2>
<dl id="detail-summary"></dl>
<h3>Request</h3><pre id="detail-request"></pre>
<h3>Answer</h3><pre id="detail-answer"></pre>
<button id="detail-close">Close</button>
</section>
<h2>Pending faults <span class="count" id="faults-count"></span></h2>
<table id="faults"><thead><tr><th>operation</th><th>status</th><th>delay</th><th>drop</th><th>times left</th></tr>
</thead><tbody></tbody></table>
<script>%(script)s</script>
</body>
</html>
"""

SCRIPT = """
"use strict";
const view = {tag: null, data: null, at: 0, unchanged: 0, operation: "", customer: ""};
const $ = id => document.getElementById(id);
function text(value) { return value === null || value === undefined ? "–" : String(value); }
function cell(row, value, className) {
  const td = document.createElement("td");
  td.textContent = text(value);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}
function fill(id, items, columns, empty, extra) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren();
  if (items.length === 0) {
    const row = body.insertRow(); const td = row.insertCell();
    td.colSpan = columns.length + (extra ? 1 : 0); td.className = "empty"; td.textContent = empty;
    return;
  }
  for (const item of items) {
    const row = document.createElement("tr");
    for (const [read, className] of columns) cell(row, read(item), className);
    if (extra) extra(row, item);
    body.appendChild(row);
  }
}
function count(id, shown, total) {
  $(id + "-count").textContent = shown < total ? "(newest " + shown + " of " + total + ")" : "(" + total + ")";
}
function secondsLeft(s) {
  if (s.expiresInSeconds === null) return null;
  return Math.max(0, s.expiresInSeconds - (Date.now() - view.at) / 1000).toFixed(0) + " s";
}
function instructions(card) {
  return card.instructions.map(i => i.instructionId + " (" + i.clientReferenceId + ", limit " +
    (i.limit === null ? "none" : i.limit + " " + (i.currencyCode || "")) + ")").join("; ") || null;
}
function renderSessions() {
  const data = view.data;
  fill("sessions", data.sessions, [[s => s.tokenReference], [s => s.clientReferenceId], [s => s.state],
    [s => s.otpValue, "code"], [s => s.requestsLeft], [s => s.attemptsLeft], [secondsLeft]], "No session yet.");
}
function render() {
  const data = view.data, totals = data.totals;
  renderSessions();
  count("sessions", data.sessions.length, totals.sessions);
  fill("cards", data.cards, [[c => c.customerId], [c => c.vProvisionedTokenId], [c => c.tokenReference],
    [c => c.clientReferenceId], [c => c.bound ? "bound" : "not bound"], [instructions]], "No card provisioned yet.");
  count("cards", data.cards.length, totals.cards);
  fill("requests", data.requests, [[r => r.receivedAt],
    [r => (r.operation || r.path) + (r.fixture ? " (fixture)" : "")],
    [r => r.pending ? "pending" : r.status === null ? "dropped" : r.status],
    [r => r.refusalCode], [r => r.customer]], "No request yet.", (row, r) => {
      const td = document.createElement("td"), button = document.createElement("button");
      button.textContent = "details"; button.className = "details"; button.dataset.seq = String(r.seq);
      button.onclick = () => openDetail(r.seq);
      td.appendChild(button); row.appendChild(td);
    });
  count("requests", data.requests.length, totals.requests);
  fill("faults", data.faults, [[f => f.operation], [f => f.status], [f => f.delaySeconds + " s"], [f => f.drop],
    [f => f.times]], "No pending fault.");
  count("faults", data.faults.length, totals.faults);
  const select = $("filter-operation");
  if (select.options.length === 1) {
    for (const name of data.operations) select.add(new Option(name, name));
  }
}
function query() {
  const params = new URLSearchParams({view: "page", limit: "200"});
  if (view.operation) params.set("operation", view.operation);
  if (view.customer) params.set("customer", view.customer);
  return params.toString();
}
async function refusal(answer) {
  try { return (await answer.json()).error_message || answer.status; } catch (error) { return answer.status; }
}
async function refresh() {
  try {
    const answer = await fetch("state?" + query(), {cache: "no-store",
      headers: view.tag ? {"If-None-Match": view.tag} : {}});
    if (answer.status === 304) {
      view.unchanged += 1;
      document.body.dataset.unchanged = String(view.unchanged);
      if (view.data) renderSessions();
    } else if (answer.ok) {
      view.data = await answer.json(); view.at = Date.now(); view.tag = answer.headers.get("ETag");
      render();
    } else {
      $("status").textContent = "the mock refused the page: " + await refusal(answer);
      return;
    }
    $("status").textContent = "live";
  } catch (error) {
    $("status").textContent = "the mock is not answering";
  }
}
function entry(dl, name, value) {
  const dt = document.createElement("dt"), dd = document.createElement("dd");
  dt.textContent = name; dd.textContent = text(value);
  dl.append(dt, dd);
}
async function openDetail(seq) {
  const answer = await fetch("state?" + new URLSearchParams({view: "exchange", seq: String(seq)}),
                             {cache: "no-store"});
  const detail = $("detail"), summary = $("detail-summary");
  summary.replaceChildren();
  detail.hidden = false;
  if (!answer.ok) {
    $("detail-title").textContent = "Exchange " + seq;
    entry(summary, "not shown", await refusal(answer));
    $("detail-request").textContent = ""; $("detail-answer").textContent = "";
    return;
  }
  const found = await answer.json(), exchange = found.exchange;
  $("detail-title").textContent = "Exchange " + seq + ": " + text(exchange.operation || exchange.path);
  entry(summary, "status", exchange.pending ? "pending (no answer yet)" : exchange.status);
  entry(summary, "refusal code", found.refusalCode);
  entry(summary, "customer", found.customer);
  entry(summary, "fault played", exchange.fault);
  entry(summary, "made by the fixture", exchange.fixture ? "yes" : "no");
  entry(summary, "received", exchange.receivedAt);
  const request = {method: exchange.method, path: exchange.path, headers: exchange.headers, body: exchange.body};
  $("detail-request").textContent = JSON.stringify(request, null, 2);
  $("detail-answer").textContent = exchange.answer ? JSON.stringify(exchange.answer, null, 2) : "no answer yet";
}
function filterBy(name, value) {
  if (view[name] === value) return;
  view[name] = value; view.tag = null;
  refresh();
}
async function post(path, body) {
  await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                     body: body === undefined ? "" : JSON.stringify(body)});
  await refresh();
}
$("advance-60").onclick = () => post("clock", {advanceSeconds: 60});
$("advance-300").onclick = () => post("clock", {advanceSeconds: 300});
$("reset").onclick = () => post("reset");
$("detail-close").onclick = () => { $("detail").hidden = true; };
$("filter-operation").onchange = event => filterBy("operation", event.target.value);
$("filter-customer").onchange = event => filterBy("customer", event.target.value.trim());
refresh();
setInterval(refresh, 500);
"""


def _digest(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


PAGE = PAGE % {"icon": ICON, "style": STYLE, "script": SCRIPT}
CSP = (f"default-src 'self'; script-src {_digest(SCRIPT)}; style-src {_digest(STYLE)}; connect-src 'self'; "
       "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'").encode()  # fmt: skip
