"""The liveness socket between a container and the AM, over real loopback sockets."""

from __future__ import annotations

import time

from samza_py.appmaster.liveness_watch import LivenessWatch
from samza_py.container.liveness import LivenessServer


def lost_within(watch: LivenessWatch, seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        gone = watch.lost()
        if gone:
            return gone
        time.sleep(0.01)
    return []


def test_a_dead_process_is_seen_at_once_and_a_goodbye_is_not_a_death() -> None:
    dying, leaving = LivenessServer("127.0.0.1"), LivenessServer("127.0.0.1")
    addresses = {"c_0": dying.address, "c_1": leaving.address, "c_2": None}
    watch = LivenessWatch(addresses.get)
    watch.watch(["c_0", "c_1", "c_2"])  # c_2 has published nothing: left to YARN
    deadline = time.monotonic() + 5
    while len(dying._held) + len(leaving._held) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    leaving.goodbye()
    assert lost_within(watch, 0.5) == []
    # A death: the kernel closes the process's sockets, nothing is said.
    dying._listener.close()
    for connection in dying._held:
        connection.close()
    assert lost_within(watch, 5) == ["c_0"]
    assert watch.lost() == []  # reported once
    watch.close()


def test_a_container_no_longer_watched_is_not_reported() -> None:
    server = LivenessServer("127.0.0.1")
    watch = LivenessWatch({"c_0": server.address}.get)
    watch.watch(["c_0"])
    watch.watch([])  # it finished and YARN said so first
    for connection in server._held:
        connection.close()
    assert lost_within(watch, 0.5) == []
