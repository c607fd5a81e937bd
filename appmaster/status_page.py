"""The status page itself: one self-contained HTML document (inline CSS, JS and SVG, no external assets).

It polls ``api/status`` every 2 s and draws the job, its containers and tasks, the operator graph of a
high-level application with each operator's message count, and the job's throughput and lag over the
last 15 minutes.
"""

STATUS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Samza job</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; background: #fafafa; }
h1 { font-size: 1.4em; margin: 0 0 .3em; }
h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
dl { display: grid; grid-template-columns: max-content auto; gap: .15em 1em; margin: 0; }
dt { color: #666; } dd { margin: 0; font-family: ui-monospace, monospace; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #eee; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.tasks { margin: .2em 0 .4em 1.5em; font-size: .95em; }
tr.tasks-row > td { border: none; background: #fafafa; padding: 0; }
.state { font-weight: 600; padding: 0 .4em; border-radius: 3px; }
.state-RUNNING { background: #d4f4dd; color: #14632b; }
.state-REQUESTED, .state-ACCEPTED, .state-SUBMITTED { background: #fdf1c8; color: #7a5b00; }
.state-FAILED, .state-KILLED { background: #fbd5d5; color: #8a1111; }
.state-COMPLETED, .state-SUCCEEDED, .state-FINISHED { background: #dde8fb; color: #153d8a; }
.state-STOPPED { background: #e4e4e4; color: #444; }
#error { display: none; background: #fbd5d5; color: #8a1111; padding: .4em .8em; margin: .6em 0; }
#message:empty { display: none; }
#message { background: #fff7dd; padding: .4em .8em; margin: .6em 0; }
.muted { color: #888; }
#operators-section { display: none; }
svg.graph { background: #fff; border: 1px solid #ddd; }
svg.graph rect { fill: #f4f7fc; stroke: #7d93bd; }
svg.graph g.op-input rect { fill: #e6f4ea; stroke: #5b9a6c; }
svg.graph g.op-send_to rect, svg.graph g.op-sink rect { fill: #fdf3e1; stroke: #c49a45; }
svg.graph text { font: 12px system-ui, sans-serif; fill: #222; }
svg.graph text.count { font-size: 11px; fill: #555; }
svg.graph path.edge { fill: none; stroke: #889; stroke-width: 1.4; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
figure { margin: 0; }
figcaption { color: #444; margin-bottom: .2em; }
svg.chart { background: #fff; border: 1px solid #ddd; }
svg.chart polyline { fill: none; stroke-width: 1.6; }
svg.chart .axis { stroke: #bbb; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #666; }
</style>
</head>
<body>
<h1>Samza job <span id="job-name" data-field="job-name">&hellip;</span></h1>
<dl>
<dt>Job id</dt><dd id="job-id" data-field="job-id"></dd>
<dt>Application</dt><dd id="app-id" data-field="app-id"></dd>
<dt>State</dt><dd><span id="job-state" data-field="job-state" class="state"></span></dd>
<dt>Updated</dt><dd id="updated" data-field="updated"></dd>
</dl>
<div id="message"></div>
<div id="error" role="alert"></div>
<h2>Containers</h2>
<table id="containers">
<thead><tr><th>Processor</th><th>YARN container</th><th>Host</th><th>State</th><th>Restarts</th>
<th>Last exit</th><th>Throughput (msg/s)</th><th>Process envelopes</th></tr></thead>
<tbody id="containers-body"><tr><td colspan="8" class="muted">loading&hellip;</td></tr></tbody>
</table>
<section id="operators-section">
<h2>Operator graph</h2>
<p class="muted">Messages each operator has taken, summed over the tasks (one copy of the graph runs in each task).</p>
<svg id="operator-graph" class="graph" xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>
</section>
<h2>Last 15 minutes</h2>
<div class="charts">
<figure><figcaption>Throughput (msg/s): <span id="chart-throughput-now" data-field="throughput-now"></span></figcaption>
<svg id="chart-throughput" class="chart" xmlns="http://www.w3.org/2000/svg" width="480" height="140"></svg></figure>
<figure><figcaption>Lag (messages behind): <span id="chart-lag-now" data-field="lag-now"></span></figcaption>
<svg id="chart-lag" class="chart" xmlns="http://www.w3.org/2000/svg" width="480" height="140"></svg></figure>
</div>
<script>
"use strict";
const DASH = "\\u2014";
// Relative to the page: it is served under a proxy prefix (/proxy/<app id>/pages/samza/).
function statusUrl() {
  const path = location.pathname;
  if (path.endsWith("/") || path.endsWith(".html")) return "api/status";
  return path.slice(path.lastIndexOf("/") + 1) + "/api/status";
}
function isNum(v) { return typeof v === "number" && isFinite(v); }
function int(v) { return isNum(v) ? Math.round(v).toLocaleString("en-US") : DASH; }
function rate(v) { return isNum(v) ? v.toFixed(1) : DASH; }
function text(v) { return v === null || v === undefined || v === "" ? DASH : String(v); }
function el(tag, attrs, content) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  }
  if (content !== undefined) e.textContent = content;
  return e;
}
function cell(field, value, shown, cls) {
  return el("td", {"data-field": field, "data-value": value === null || value === undefined ? "" : value,
                   "class": cls}, shown);
}
function stateBadge(state) { return el("span", {"class": "state state-" + text(state)}, text(state)); }
function restoreText(r) {
  if (r.done) return "done";
  if (!isNum(r.total)) return int(r.restored) + "/?";
  const pct = r.total > 0 ? Math.floor(100 * (r.restored || 0) / r.total) : 100;
  return int(r.restored) + "/" + int(r.total) + " (" + pct + "%)";
}
function restoreCell(restore) {
  const td = el("td", {"data-field": "restore"});
  const stores = Object.keys(restore || {}).sort();
  if (!stores.length) { td.textContent = DASH; return td; }
  stores.forEach((store, i) => {
    if (i) td.appendChild(el("br"));
    const span = el("span", {"data-store": store, "data-done": restore[store].done ? "true" : "false"});
    span.textContent = store + ": " + restoreText(restore[store]);
    td.appendChild(span);
  });
  return td;
}
function taskTable(c) {
  const table = el("table", {"class": "tasks", "data-tasks-of": c.id});
  const head = el("tr");
  for (const h of ["Task", "Input partitions", "Lag", "Processed", "Throughput (msg/s)", "Restore"]) {
    head.appendChild(el("th", {}, h));
  }
  table.appendChild(head);
  for (const t of c.tasks || []) {
    const tr = el("tr", {"data-task": t.name, "data-task-container": c.id, "data-mode": t.mode || "active"});
    tr.appendChild(cell("name", t.name, text(t.name)));
    // A standby task reads no input: its lag is how far its store copies are behind their changelogs.
    const inputs = t.mode === "standby" ? "standby copy (changelog lag)" : (t.partitions || []).join(", ") || DASH;
    tr.appendChild(cell("partitions", (t.partitions || []).join(" "), inputs));
    tr.appendChild(cell("lag", t.lag, int(t.lag), "num"));
    tr.appendChild(cell("processed", t.processed, int(t.processed), "num"));
    tr.appendChild(cell("throughput", t.throughput, rate(t.throughput), "num"));
    tr.appendChild(restoreCell(t.restore));
    table.appendChild(tr);
  }
  return table;
}
function containerRows(c) {
  const tr = el("tr", {"class": "container-row", "data-container": c.id, "data-state": c.state,
                      "data-mode": c.mode || "active"});
  tr.appendChild(cell("id", c.id, c.mode === "standby" ? text(c.id) + " (standby)" : text(c.id)));
  tr.appendChild(cell("yarn_container", c.yarn_container, text(c.yarn_container)));
  // A container not running yet shows the host it was asked on (host affinity).
  tr.appendChild(cell("host", c.host, c.host || !c.preferred_host ? text(c.host) : "asked for " + c.preferred_host));
  const st = cell("state", c.state, "");
  st.appendChild(stateBadge(c.state));
  tr.appendChild(st);
  tr.appendChild(cell("restarts", c.restarts, int(c.restarts), "num"));
  tr.appendChild(cell("last_exit_status", c.last_exit_status, text(c.last_exit_status)));
  tr.appendChild(cell("throughput", c.throughput, rate(c.throughput), "num"));
  tr.appendChild(cell("process_envelopes", c.process_envelopes, int(c.process_envelopes), "num"));
  const tasks = el("tr", {"class": "tasks-row", "data-tasks-row": c.id});
  const td = el("td", {"colspan": 8});
  td.appendChild(taskTable(c));
  tasks.appendChild(td);
  return [tr, tasks];
}
const SVG_NS = "http://www.w3.org/2000/svg";
const HISTORY_MS = 15 * 60 * 1000;
function svg(tag, attrs, content) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  }
  if (content !== undefined) e.textContent = content;
  return e;
}
function shorten(s, n) { return s.length > n ? s.slice(0, n - 1) + "\u2026" : s; }
// Columns by the longest path from an input, so every edge points right (the graph has no cycles).
function depths(ops) {
  const depth = {};
  for (const o of ops) depth[o.id] = 0;
  for (let pass = 0; pass < ops.length; pass++) {
    for (const o of ops) {
      for (const n of o.next || []) if (n in depth) depth[n] = Math.max(depth[n], depth[o.id] + 1);
    }
  }
  return depth;
}
function renderGraph(ops) {
  const section = document.getElementById("operators-section");
  const box = document.getElementById("operator-graph");
  if (!ops || !ops.length) { section.style.display = "none"; box.replaceChildren(); return; }
  section.style.display = "block";
  const W = 200, H = 44, GX = 56, GY = 16, PAD = 10;
  const depth = depths(ops), columns = {}, pos = {};
  for (const o of ops) (columns[depth[o.id]] = columns[depth[o.id]] || []).push(o);
  let rows = 0, cols = 0;
  for (const [d, column] of Object.entries(columns)) {
    column.forEach((o, r) => { pos[o.id] = {x: PAD + Number(d) * (W + GX), y: PAD + r * (H + GY)}; });
    rows = Math.max(rows, column.length);
    cols = Math.max(cols, Number(d) + 1);
  }
  const width = 2 * PAD + cols * (W + GX) - GX, height = 2 * PAD + rows * (H + GY) - GY;
  box.setAttribute("width", width);
  box.setAttribute("height", height);
  box.setAttribute("viewBox", "0 0 " + width + " " + height);
  const marker = svg("marker", {id: "arrow", viewBox: "0 0 8 8", refX: 8, refY: 4, markerWidth: 8,
                                markerHeight: 8, orient: "auto"});
  marker.appendChild(svg("path", {d: "M0,0 L8,4 L0,8 z", fill: "#889"}));
  const defs = svg("defs");
  defs.appendChild(marker);
  const children = [defs];
  for (const o of ops) {
    for (const n of o.next || []) {
      if (!(n in pos)) continue;
      const a = pos[o.id], b = pos[n];
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mid = (x1 + x2) / 2;
      children.push(svg("path", {"class": "edge", "data-edge": o.id + " " + n, "marker-end": "url(#arrow)",
                                 d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}));
    }
  }
  for (const o of ops) {
    const p = pos[o.id];
    const g = svg("g", {"class": "op op-" + o.kind, "data-op": o.id,
                        "data-messages": isNum(o.messages) ? o.messages : ""});
    g.appendChild(svg("title", {}, o.description || o.id));
    g.appendChild(svg("rect", {x: p.x, y: p.y, width: W, height: H, rx: 5}));
    g.appendChild(svg("text", {x: p.x + 8, y: p.y + 17}, shorten(o.name || o.id, 30)));
    g.appendChild(svg("text", {"class": "count", x: p.x + 8, y: p.y + 34},
                      o.kind + " \u00b7 " + int(o.messages) + " messages"));
    children.push(g);
  }
  box.replaceChildren(...children);
}
// A line over the last 15 minutes; a point without a value (no scrape, no rate yet) breaks it.
function renderChart(id, points, key, format) {
  const box = document.getElementById(id);
  const W = 480, H = 140, L = 58, R = 8, T = 8, B = 22;
  const known = (points || []).filter(p => isNum(p[key]) && isNum(p.t));
  const end = (points || []).reduce((m, p) => Math.max(m, p.t || 0), 0) || Date.now();
  const start = end - HISTORY_MS;
  const top = Math.max(1, ...known.map(p => p[key]));
  const x = t => L + (W - L - R) * (t - start) / HISTORY_MS;
  const y = v => T + (H - T - B) * (1 - v / top);
  const children = [
    svg("line", {"class": "axis", x1: L, y1: T, x2: L, y2: H - B}),
    svg("line", {"class": "axis", x1: L, y1: H - B, x2: W - R, y2: H - B}),
    svg("text", {x: L - 4, y: T + 9, "text-anchor": "end", "data-field": "max"}, format(top)),
    svg("text", {x: L - 4, y: H - B, "text-anchor": "end"}, "0"),
    svg("text", {x: L, y: H - 6}, "\u221215 min"),
    svg("text", {x: W - R, y: H - 6, "text-anchor": "end"}, "now"),
  ];
  let run = [];
  const flush = () => {
    if (run.length > 1) children.push(svg("polyline", {points: run.join(" "), stroke: "#3867d6"}));
    if (run.length === 1) {
      const [cx, cy] = run[0].split(",");
      children.push(svg("circle", {cx: cx, cy: cy, r: 2, fill: "#3867d6"}));
    }
    run = [];
  };
  for (const p of points || []) {
    if (!isNum(p.t) || p.t < start) continue;
    if (isNum(p[key])) run.push(x(p.t).toFixed(1) + "," + y(p[key]).toFixed(1)); else flush();
  }
  flush();
  box.setAttribute("data-points", String(known.filter(p => p.t >= start).length));
  box.replaceChildren(...children);
  const last = (points || []).length ? points[points.length - 1][key] : null;
  document.getElementById(id + "-now").textContent = isNum(last) ? format(last) : DASH;
}
function render(s) {
  renderGraph(s.operators || []);
  renderChart("chart-throughput", s.history || [], "throughput", rate);
  renderChart("chart-lag", s.history || [], "lag", int);
  const job = s.job || {};
  document.getElementById("job-name").textContent = text(job.name);
  document.getElementById("job-id").textContent = text(job.id);
  document.getElementById("app-id").textContent = text(job.app_id);
  const state = document.getElementById("job-state");
  state.textContent = text(job.state);
  state.className = "state state-" + text(job.state);
  const updated = document.getElementById("updated");
  const age = isNum(job.updated_ms) ? Math.max(0, Math.round((Date.now() - job.updated_ms) / 1000)) : null;
  updated.textContent = age === null ? DASH : new Date(job.updated_ms).toLocaleString() + " (" + age + " s ago)";
  updated.setAttribute("data-value", isNum(job.updated_ms) ? job.updated_ms : "");
  document.getElementById("message").textContent = job.message || "";
  const body = document.getElementById("containers-body");
  const rows = [];
  for (const c of s.containers || []) rows.push(...containerRows(c));
  if (!rows.length) {
    const none = el("tr");
    none.appendChild(el("td", {"colspan": 8, "class": "muted"}, "no containers"));
    rows.push(none);
  }
  body.replaceChildren(...rows);
  document.title = "Samza job " + text(job.name) + " (" + text(job.state) + ")";
}
function showError(msg) {
  const e = document.getElementById("error");
  e.textContent = msg;
  e.style.display = msg ? "block" : "none";
}
async function poll() {
  try {
    const resp = await fetch(statusUrl(), {cache: "no-store", headers: {"Accept": "application/json"}});
    if (!resp.ok) throw new Error("HTTP " + resp.status + ": " + (await resp.text()).trim());
    render(await resp.json());
    showError("");
    document.body.setAttribute("data-polls", String(Number(document.body.getAttribute("data-polls") || 0) + 1));
  } catch (err) {
    showError("could not refresh at " + new Date().toLocaleTimeString() + ": " + err.message);
  } finally {
    setTimeout(poll, 2000);
  }
}
poll();
</script>
</body>
</html>
"""
