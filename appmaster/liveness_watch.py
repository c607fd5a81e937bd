"""The AM's side of the containers' liveness sockets (see samza_py.container.liveness): one connection per
running container, a thread blocked reading it; the read ending means the container's process is gone.

Only a silent end of a connection that was once made counts: a container that says goodbye first ends by
itself, and one that never published its socket, or could not be reached, is left to YARN's own report.
Its address is asked for a few times, further and further apart, and then no more: a container that never
publishes one (a job package from an older samza-py) would otherwise cost a key-value request every poll.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable

log = logging.getLogger("samza_py.appmaster.liveness")

CONNECT_TIMEOUT_S = 2.0
# How often and how far apart a container's address is asked for (a try is the lookup and, if it gave an
# address, the connection): the first at once, then after 1, 2, 4, 8, 10, 10, 10 s. A container publishes
# its address seconds after it starts (after its imports and its first write to the coordinator stream),
# so the last try, some 45 s in, leaves room for a slow start on a busy node.
LOOKUP_TRIES = 8
LOOKUP_FIRST_BACKOFF_S = 1.0
LOOKUP_MAX_BACKOFF_S = 10.0


class LivenessWatch:
    def __init__(self, lookup: Callable[[str], str | None], clock: Callable[[], float] = time.monotonic) -> None:
        self._lookup = lookup  # skein container id → "host:port" it published, or None
        self._clock = clock
        self._watched: dict[str, socket.socket] = {}
        # skein container id not watched yet → (tries so far, when the next may be made); LOOKUP_TRIES means
        # given up on. Kept while the container is wanted; a restarted container has a new id and starts afresh.
        self._tries: dict[str, tuple[int, float]] = {}
        self._lost: dict[str, float] = {}  # skein container id → when its connection ended (monotonic)
        self._lock = threading.Lock()

    def watch(self, container_ids: Iterable[str]) -> None:
        """Connect to each of these containers not watched yet (that has published its socket, within its
        tries); forget the rest."""
        wanted = set(container_ids)
        for cid in list(self._watched):
            if cid not in wanted:
                self._close(cid)
        for cid in list(self._tries):
            if cid not in wanted:
                del self._tries[cid]
        now = self._clock()
        for cid in wanted - set(self._watched):
            tries, next_try = self._tries.get(cid, (0, now))
            if tries >= LOOKUP_TRIES or now < next_try:
                continue
            tries += 1
            backoff = min(LOOKUP_FIRST_BACKOFF_S * 2 ** (tries - 1), LOOKUP_MAX_BACKOFF_S)
            self._tries[cid] = (tries, now + backoff)
            connection = self._connect(cid)
            if connection is None:
                if tries == LOOKUP_TRIES:
                    log.info("container %s: no liveness socket to watch after %d tries: its exit is left to YARN",
                             cid, tries)
                continue
            del self._tries[cid]
            self._watched[cid] = connection
            threading.Thread(target=self._wait, args=(cid, connection), name=f"liveness-{cid}", daemon=True).start()

    def _connect(self, cid: str) -> socket.socket | None:
        address = self._lookup(cid)
        if address is None:
            return None
        host, _, port = address.rpartition(":")
        try:
            connection = socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S)
        except (OSError, ValueError) as exc:
            log.debug("cannot watch container %s at %s yet: %s", cid, address, exc)
            return None
        connection.settimeout(None)
        log.info("watching the liveness of container %s at %s", cid, address)
        return connection

    def _wait(self, cid: str, connection: socket.socket) -> None:
        try:
            ended = connection.recv(1) == b""  # a byte is a goodbye; a dead process's kernel closes with a FIN
        except OSError:
            # A reset: the connection never reached the process (its listener closed), or we closed it. Not a
            # sure death: left to YARN.
            ended = False
        with self._lock:
            if ended and self._watched.get(cid) is connection:
                self._lost[cid] = time.monotonic()
            elif not ended:
                log.info("container %s said goodbye (or was reset): its exit is left to YARN", cid)

    def lost(self) -> list[str]:
        """Containers whose process has gone since the last call."""
        with self._lock:
            gone, self._lost = list(self._lost), {}
        for cid in gone:
            self._close(cid)
        return gone

    def _close(self, cid: str) -> None:
        connection = self._watched.pop(cid, None)
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)  # wakes its reading thread, which then sees it unwatched
            connection.close()

    def close(self) -> None:
        for cid in list(self._watched):
            self._close(cid)
