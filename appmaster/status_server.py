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

from .status_page import STATUS_PAGE

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
