"""The inbox page (GET /__mock__/ui): what a developer testing by hand keeps open, as they would keep Mailpit
open. One self-contained HTML page, no external asset: it polls GET /__mock__/state twice a second and shows
every session with its current code, the provisioned cards with their binding and payment instructions (never
a payment credential: the mock keeps none), the request journal (newest first) and the pending faults, with buttons
to advance the clock and to reset. Every value is written as text (`textContent`), never as HTML, so a
session identifier cannot inject script; the page never shows an API key (the journal masks it)."""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Juspay mock inbox</title>
<link rel="icon" href="data:,">
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #1b1f23; }
  h1 { font-size: 1.3rem; } h2 { font-size: 1.05rem; margin-top: 1.6rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  th { background: #f3f4f6; } .code { font: 700 1.2rem ui-monospace, monospace; letter-spacing: .1rem; }
  .empty { color: #6b7280; font-style: italic; } button { margin-right: .5rem; }
  #status { color: #6b7280; margin-left: .5rem; }
  td.body { font: 12px ui-monospace, monospace; overflow-wrap: anywhere; max-width: 44rem; }
</style>
</head>
<body>
<h1>Juspay mock inbox</h1>
<div>
  <button id="advance-60">Advance clock 1 min</button>
  <button id="advance-300">Advance clock 5 min</button>
  <button id="reset">Reset</button>
  <span id="status">connecting…</span>
</div>
<h2>Sessions</h2>
<table id="sessions"><thead><tr><th>tokenReference</th><th>clientReferenceId</th><th>state</th><th>code</th>
<th>OTP requests left</th><th>attempts left</th><th>expires in</th></tr></thead><tbody></tbody></table>
<h2>Cards</h2>
<table id="cards"><thead><tr><th>customerId</th><th>vProvisionedTokenId</th><th>tokenReference</th>
<th>clientReferenceId</th><th>bound</th><th>payment instructions</th></tr></thead><tbody></tbody></table>
<h2>Requests (newest first)</h2>
<table id="requests"><thead><tr><th>received</th><th>operation</th><th>status</th><th>body</th></tr></thead>
<tbody></tbody></table>
<h2>Pending faults</h2>
<table id="faults"><thead><tr><th>operation</th><th>status</th><th>delay</th><th>drop</th><th>times left</th></tr>
</thead><tbody></tbody></table>
<script>
"use strict";
function cell(row, value, className) {
  const td = document.createElement("td");
  td.textContent = value === null || value === undefined ? "–" : String(value);
  if (className) td.className = className;
  row.appendChild(td);
}
function fill(id, items, columns, empty) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren();
  if (items.length === 0) {
    const row = body.insertRow(); const td = row.insertCell();
    td.colSpan = columns.length; td.className = "empty"; td.textContent = empty;
    return;
  }
  for (const item of items) {
    const row = document.createElement("tr");
    row.dataset.key = id;
    for (const [read, className] of columns) cell(row, read(item), className);
    body.appendChild(row);
  }
}
async function refresh() {
  try {
    const answer = await fetch("state", {cache: "no-store"});
    const state = await answer.json();
    fill("sessions", state.sessions, [[s => s.tokenReference], [s => s.clientReferenceId], [s => s.state],
      [s => s.otpValue, "code"], [s => s.requestsLeft], [s => s.attemptsLeft],
      [s => s.expiresInSeconds === null ? null : s.expiresInSeconds + " s"]], "No session yet.");
    fill("cards", state.cards, [[c => c.customerId], [c => c.vProvisionedTokenId], [c => c.tokenReference],
      [c => c.clientReferenceId], [c => c.bound ? "bound" : "not bound"],
      [c => c.instructions.map(i => i.clientReferenceId + ": limit " + (i.limit === null ? "none"
        : i.limit + " " + (i.currencyCode || ""))).join("; ") || null]], "No card provisioned yet.");
    fill("requests", state.requests, [[r => r.receivedAt], [r => r.operation || r.path], [r => r.status],
      [r => JSON.stringify(r.body), "body"]], "No request yet.");
    fill("faults", state.faults, [[f => f.operation], [f => f.status], [f => f.delaySeconds + " s"], [f => f.drop],
      [f => f.times]], "No pending fault.");
    document.getElementById("status").textContent = "live";
  } catch (error) {
    document.getElementById("status").textContent = "the mock is not answering";
  }
}
async function post(path, body) {
  await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                     body: body === undefined ? "" : JSON.stringify(body)});
  await refresh();
}
document.getElementById("advance-60").onclick = () => post("clock", {advanceSeconds: 60});
document.getElementById("advance-300").onclick = () => post("clock", {advanceSeconds: 300});
document.getElementById("reset").onclick = () => post("reset");
refresh();
setInterval(refresh, 500);
</script>
</body>
</html>
"""
