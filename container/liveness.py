"""A container's liveness socket: how the AM learns within moments that a container's process is gone.

YARN tells an application master that a container ended only through the NodeManager's and the AM's
heartbeats, seconds later (longer with skein's idle heartbeat). Instead each YARN container listens on a
port, publishes ``host:port`` in the application's key-value store (``liveness/<skein container id>``),
and holds every connection open without a word; the AM connects and waits. When the process dies, its
kernel closes the socket and the AM's read ends at once. A process that ends by itself (done, stopped, or
failed and reporting it) says goodbye first, a byte, and is left to YARN's report of its exit status. A node
that vanishes closes nothing: that case is left to YARN too.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading

log = logging.getLogger(__name__)

LIVENESS_KEY = "liveness/"  # + skein container id


class LivenessServer:
    def __init__(self, host: str) -> None:
        self._listener = socket.create_server(("", 0))
        self.address = f"{host}:{self._listener.getsockname()[1]}"
        self._held: list[socket.socket] = []
        self._leaving = False
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="liveness", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                if not self._leaving:
                    self._held.append(connection)  # held, never read: only a goodbye or its closing says anything
                    continue
            _bye(connection)

    def goodbye(self) -> None:
        """This process ends by itself: tell the AM so, rather than let it take the closing for a death.
        Connections still waiting to be accepted get the goodbye too (closing the listener would reset them)."""
        with self._lock:
            self._leaving = True
            held, self._held = self._held, []
        for connection in held:
            _bye(connection)
        self._listener.setblocking(False)
        late = 0
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                break
            _bye(connection)
            late += 1
        # shutdown, not only close: the accept thread blocked on the socket would keep it listening (and the
        # AM connecting to a process that has already said goodbye) until the process ends.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        log.info("liveness: said goodbye on %d connection(s)", len(held) + late)


def _bye(connection: socket.socket) -> None:
    try:
        connection.sendall(b".")
        connection.close()
    except OSError as exc:
        log.info("liveness: no goodbye to %s: %s", connection, exc)  # the AM went away first


def publish_liveness(host: str) -> LivenessServer | None:
    """On YARN: serve the liveness socket and tell the AM where; elsewhere nothing."""
    import os

    skein_id = os.environ.get("SKEIN_CONTAINER_ID")
    if skein_id is None:
        return None
    import skein

    server = LivenessServer(host)
    skein.ApplicationClient.from_current().kv[f"{LIVENESS_KEY}{skein_id}"] = server.address.encode()
    return server
