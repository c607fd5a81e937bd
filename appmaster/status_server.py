"""The ApplicationMaster's live status page: a small HTTP server in a daemon thread.

``GET /`` (or ``/index.html``) is a self-contained HTML page (inline CSS and JS, no external assets) that
polls ``api/status`` every 2 s and renders the job, its containers and their tasks. ``GET /api/status``
is the status dict as JSON. The page is reached through skein's web UI, which YARN's RM proxies:
``http://<rm>:8088/proxy/<app id>/pages/samza/`` (see :func:`page_url_via_rm`), so the page uses only
relative URLs.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger("samza_py.appmaster.status")

ROUTE = "samza"  # the page's path segment in skein's web UI: <ui address>/pages/samza/
LINK_NAME = "Samza job"
StatusFn = Callable[[], dict]


class StatusServer:
    """Serves the status page and ``api/status`` for ``status()``, which is called once per API request."""

    def __init__(self, status: StatusFn) -> None:
        self.status = status
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url: str | None = None

    def start(self, host: str = "0.0.0.0", port: int = 0) -> str:
        """Binds and serves in a daemon thread; returns the base URL ``http://<host>:<port>/``.

        The URL's host is ``$NM_HOST`` (set by YARN in containers) or this machine's FQDN when bound to
        all interfaces, else the address it is bound to.
        """
        if self._httpd is not None:
            raise RuntimeError("the status server is already running")
        httpd = ThreadingHTTPServer((host, port), _Handler)
        httpd.daemon_threads = True
        httpd.status_fn = self.status  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="samza-status-server", daemon=True
        )
        self._thread.start()
        name = host if host not in ("", "0.0.0.0") else (os.environ.get("NM_HOST") or socket.getfqdn())
        self.url = f"http://{name}:{httpd.server_address[1]}/"
        log.info("status page at %s", self.url)
        return self.url

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)


def register_page(app: Any, url: str) -> str:
    """Adds ``url`` to skein's web UI as page ``samza`` (linked as "Samza job"); returns its UI address.

    ``app`` is a ``skein.ApplicationClient``. The page is then at ``<skein ui address>/pages/samza/``,
    which through the RM's web proxy is :func:`page_url_via_rm`.
    """
    page = app.ui.add_page(ROUTE, url, link_name=LINK_NAME)
    return str(page.address)


def page_url_via_rm(rm_web: str, app_id: str) -> str:
    """The status page through the RM's web proxy, e.g. ``http://rm:8088/proxy/<app id>/pages/samza/``."""
    return f"{rm_web.rstrip('/')}/proxy/{app_id}/pages/{ROUTE}/"


class _Handler(BaseHTTPRequestHandler):
    server_version = "samza-py-status"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _respond(self, head: bool) -> None:
        # Proxies may forward "//api/status"; the query string is ignored.
        path = "/" + self.path.split("?", 1)[0].split("#", 1)[0].lstrip("/")
        if path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", STATUS_PAGE.encode(), head)
        elif path == "/api/status":
            try:
                body = json.dumps(self.server.status_fn()).encode()  # type: ignore[attr-defined]
            except Exception as exc:
                log.exception("the status callable failed")
                text = f"status unavailable: {type(exc).__name__}: {exc}\n"
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", text.encode(), head)
                return
            self._send(HTTPStatus.OK, "application/json", body, head)
        else:
            self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", f"not found: {path}\n".encode(), head)

    def _send(self, code: HTTPStatus, content_type: str, body: bytes, head: bool) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


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
    const tr = el("tr", {"data-task": t.name, "data-task-container": c.id});
    tr.appendChild(cell("name", t.name, text(t.name)));
    tr.appendChild(cell("partitions", (t.partitions || []).join(" "), (t.partitions || []).join(", ") || DASH));
    tr.appendChild(cell("lag", t.lag, int(t.lag), "num"));
    tr.appendChild(cell("processed", t.processed, int(t.processed), "num"));
    tr.appendChild(cell("throughput", t.throughput, rate(t.throughput), "num"));
    tr.appendChild(restoreCell(t.restore));
    table.appendChild(tr);
  }
  return table;
}
function containerRows(c) {
  const tr = el("tr", {"class": "container-row", "data-container": c.id, "data-state": c.state});
  tr.appendChild(cell("id", c.id, text(c.id)));
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
function render(s) {
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
