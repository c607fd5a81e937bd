"""The liveness socket between a container and the AM, over real loopback sockets."""

from __future__ import annotations

import logging

import pytest

from samza_py.appmaster.liveness_watch import (
    LOOKUP_FIRST_BACKOFF_S,
    LOOKUP_MAX_BACKOFF_S,
    LOOKUP_TRIES,
    LivenessWatch,
)
from samza_py.config.config import Config
from samza_py.container.liveness import LivenessServer
from tests.polling import first_within


def lost_within(watch: LivenessWatch, seconds: float) -> list[str]:
    return first_within(watch.lost, seconds) or []


def test_a_dead_process_is_seen_at_once_and_a_goodbye_is_not_a_death() -> None:
    dying, leaving = LivenessServer("127.0.0.1"), LivenessServer("127.0.0.1")
    addresses = {"c_0": dying.address, "c_1": leaving.address, "c_2": None}
    watch = LivenessWatch(addresses.get)
    watch.watch(["c_0", "c_1", "c_2"])  # c_2 has published nothing: left to YARN
    first_within(lambda: len(dying._held) + len(leaving._held) >= 2, 5)
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


def test_the_am_restarts_a_container_seen_dead_and_names_its_exit_status_once_reported() -> None:
    from samza_py.appmaster.application_master import SamzaApplicationMaster

    from .test_appmaster import CONFIG, FakeApp, FakeContainer

    app, now = FakeApp(), [0.0]
    config = Config(dict(CONFIG.to_dict(), **{"cluster-manager.container.retry.count": "5"}))
    am = SamzaApplicationMaster(config, app, clock=lambda: now[0])
    am.start_container("0", "first start")
    first = am.current["0"]
    app.containers[first].state = "RUNNING"
    am.on_process_gone("0", first)
    assert am.current["0"] != first and am.policy.failures("0") == 1  # restarted at once, counted
    assert am.processor("0").last_exit_status is None
    app.kv[f"exit/{first}"] = b"137"
    am.report_gone()
    assert am.processor("0").last_exit_status == "137" and not am.gone
    # One that never reports is killed after a while (a process that only lost its connection).
    second = am.current["0"]
    app.containers[second] = FakeContainer("samza-container-0", 1, "RUNNING")
    am.on_process_gone("0", second)
    now[0] += 11
    am.report_gone()
    assert second in app.killed


def test_a_container_whose_node_does_not_answer_is_lost_with_it_and_not_counted() -> None:
    from samza_py.appmaster.application_master import SamzaApplicationMaster

    from .test_appmaster import CONFIG, FakeApp

    app, now = FakeApp(), [0.0]
    am = SamzaApplicationMaster(CONFIG, app, clock=lambda: now[0])
    am.start_container("0", "first start")
    first = am.current["0"]
    am.processor("0").host = "node3"
    am.node_addresses["node3"] = "127.0.0.1:1"  # nothing listens: the node is down
    am.on_process_gone("0", first)
    assert am.current["0"] != first and am.policy.failures("0") == 0
    assert am.processor("0").last_host == "node3" and am.processor("0").restarts == 1


def test_after_a_goodbye_nothing_listens_any_more() -> None:
    import socket

    server = LivenessServer("127.0.0.1")
    server.goodbye()
    host, port = server.address.rsplit(":", 1)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, int(port)), timeout=2)


class CountingKv:
    """The AM's liveness lookup over a fake key-value store: counts every request, per container."""

    def __init__(self) -> None:
        self.published: dict[str, str] = {}
        self.asked: dict[str, list[float]] = {}

    def lookup(self, cid: str, now: float) -> str | None:
        self.asked.setdefault(cid, []).append(now)
        return self.published.get(cid)


def polled(kv: CountingKv) -> tuple[LivenessWatch, list[float]]:
    now = [0.0]
    return LivenessWatch(lambda cid: kv.lookup(cid, now[0]), clock=lambda: now[0]), now


def test_a_container_that_never_publishes_its_socket_is_asked_for_it_a_few_times_then_no_more(
    caplog: pytest.LogCaptureFixture,
) -> None:
    kv = CountingKv()
    watch, now = polled(kv)
    with caplog.at_level(logging.INFO, logger="samza_py.appmaster.liveness"):
        while now[0] < 600:  # ten minutes of polls, every half second
            watch.watch(["c_0"])
            now[0] += 0.5
    asked = kv.asked["c_0"]
    assert len(asked) == LOOKUP_TRIES
    gaps = [later - earlier for earlier, later in zip(asked, asked[1:], strict=False)]
    assert gaps == sorted(gaps) and gaps[0] >= LOOKUP_FIRST_BACKOFF_S and max(gaps) <= LOOKUP_MAX_BACKOFF_S + 0.5
    given_up = [r for r in caplog.records if "no liveness socket" in r.getMessage()]
    assert len(given_up) == 1 and given_up[0].levelno == logging.INFO and "c_0" in given_up[0].getMessage()
    # Its restart (a new skein id) is asked for afresh; the one given up on, still running, is not.
    watch.watch(["c_0", "c_1"])
    assert len(kv.asked["c_1"]) == 1 and len(kv.asked["c_0"]) == LOOKUP_TRIES


def test_a_socket_published_late_is_watched_and_then_no_longer_looked_up() -> None:
    server = LivenessServer("127.0.0.1")
    kv = CountingKv()
    watch, now = polled(kv)
    for _ in range(20):  # ten seconds of polls; the socket appears after four
        if now[0] >= 4:
            kv.published["c_0"] = server.address
        watch.watch(["c_0"])
        now[0] += 0.5
    # Asked at 0, 1, 3 (nothing yet) and 7 s (found): no more after that.
    assert kv.asked["c_0"] == [0.0, 1.0, 3.0, 7.0]
    watch.close()

