"""Host affinity within a running application: the AM's choice of service, its timeout and fallback."""

from __future__ import annotations

from typing import Any

import pytest

from samza_py.appmaster.application_master import SamzaApplicationMaster
from samza_py.appmaster.host_affinity import SKEIN_REQUEST_LATENCY_S, HostAffinity
from samza_py.config.config import Config
from samza_py.coordinator.stream import SET_CONTAINER_HOST
from samza_py.job.locality import ContainerLocality, container_host
from samza_py.job.status_summary import render_status
from tests.test_appmaster import CONFIG, FakeApp, make_am

AFFINITY = Config(dict(CONFIG, **{"job.host-affinity.enabled": "true",
                                  "cluster-manager.container.request.timeout.ms": "5000"}))
NODE_SERVICES = ("samza-container-0", "samza-container-1", "samza-container-on-node-1", "samza-container-on-node-2")


def run(app: FakeApp, cid: str, host: str) -> None:
    app.containers[cid].state = "RUNNING"
    app.containers[cid].yarn_node_http_address = f"{host}:8042"


def fail(am: Any, app: FakeApp, pid: str, cid: str, message: str = "Container failed during execution",
         code: bytes | None = b"137") -> None:
    app.containers[cid].state = "FAILED"
    app.containers[cid].exit_message = message
    if code is not None:  # None: the launch script died with the node and reported nothing
        app.kv[f"exit/{cid}"] = code
    am.on_finished(pid, app.containers[cid])


def test_ask_names_the_last_hosts_service_only_when_enabled_and_the_host_has_one() -> None:
    affinity = HostAffinity.from_services(True, NODE_SERVICES, 5000)
    assert affinity.node_services == {"node-1": "samza-container-on-node-1", "node-2": "samza-container-on-node-2"}
    ask = affinity.ask("1", "node-2")
    assert (ask.service, ask.env, ask.host) == ("samza-container-on-node-2", {"SAMZA_CONTAINER_ID": "1"}, "node-2")
    assert affinity.ask("1", "node-9").service == "samza-container-1"  # a node unknown at submit
    assert affinity.ask("1", None).service == "samza-container-1"  # a first run
    assert HostAffinity.from_services(False, NODE_SERVICES, 5000).ask("1", "node-2").service == "samza-container-1"


def test_a_restarted_container_is_asked_on_the_node_it_ran_on_and_comes_back_there() -> None:
    app, now = FakeApp(NODE_SERVICES), [100.0]
    am = make_am(app, now, AFFINITY)
    assert app.added == ["samza-container-0_0", "samza-container-1_0"]  # no host known yet: any node
    run(app, "samza-container-0_0", "node-2")
    am.watch_once()
    fail(am, app, "0", "samza-container-0_0")
    assert am.current["0"] == "samza-container-on-node-2_0"
    assert app.envs["samza-container-on-node-2_0"] == {"SAMZA_CONTAINER_ID": "0"}
    p0 = am.job_state.processors["0"]
    assert (p0.state, p0.host, p0.last_host, p0.preferred_host) == ("REQUESTED", None, "node-2", "node-2")
    assert "container 0: REQUESTED on ? (asked for node-2)" in render_status(am.status())
    now[0] += am.affinity.wait_s - 0.1  # answered within the request timeout
    run(app, "samza-container-on-node-2_0", "node-2")
    am.watch_once()
    now[0] += 60
    am.watch_once()
    assert app.killed == [] and am.current["0"] == "samza-container-on-node-2_0"
    assert (p0.state, p0.host, p0.restarts) == ("RUNNING", "node-2", 1)


def test_an_unanswered_preferred_host_request_is_withdrawn_for_any_node_after_the_timeout() -> None:
    app, now = FakeApp(NODE_SERVICES), [100.0]
    am = make_am(app, now, AFFINITY)
    run(app, "samza-container-0_0", "node-1")
    am.watch_once()
    # Lost with its node: not counted as a failure, and its node is asked for first.
    fail(am, app, "0", "samza-container-0_0", "Container released on a *lost* node", code=None)
    assert am.current["0"] == "samza-container-on-node-1_0" and am.policy.failures("0") == 0
    # cluster-manager.container.request.timeout.ms, plus the time skein's AM takes to pass a request on.
    assert am.affinity.wait_s == 5.0 + SKEIN_REQUEST_LATENCY_S
    now[0] += am.affinity.wait_s - 0.1
    am.watch_once()
    assert app.killed == []
    now[0] += 0.1
    am.watch_once()
    assert app.killed == ["samza-container-on-node-1_0"]
    assert am.current["0"] == "samza-container-0_1" and app.envs["samza-container-0_1"] is None
    p0 = am.job_state.processors["0"]
    assert (p0.preferred_host, p0.restarts) == (None, 1)  # the fallback is no restart of its own
    run(app, "samza-container-0_1", "node-2")
    now[0] += 60
    am.watch_once()
    assert app.killed == ["samza-container-on-node-1_0"] and p0.host == "node-2"
    # The withdrawn request, reported KILLED by skein, is nobody's container any more.
    assert "0" not in am.completed and am.current["0"] == "samza-container-0_1"


def test_a_request_answered_late_but_before_the_am_looked_is_kept() -> None:
    app, now = FakeApp(NODE_SERVICES), [0.0]
    am = make_am(app, now, AFFINITY)
    am.processor("0").host = "node-1"
    am.start_container("0", "test")
    cid = am.current["0"]
    now[0] += 10
    run(app, cid, "node-1")
    am.watch_once()
    assert app.killed == [] and am.current["0"] == cid


def test_the_first_start_asks_for_the_hosts_recorded_by_an_earlier_run() -> None:
    app, now = FakeApp(NODE_SERVICES), [0.0]
    am = SamzaApplicationMaster(AFFINITY, app, clock=lambda: now[0])
    am.book.recorded_hosts = {"0": "node-1", "1": "node-9"}  # as compute_model reads them from the coordinator stream
    for pid in ("0", "1"):
        am.start_container(pid, "first start")
    # node-9 had no service at submit (not a YARN node then): any node.
    assert app.added == ["samza-container-on-node-1_0", "samza-container-1_0"]


def test_without_host_affinity_restarts_go_to_the_processors_own_service() -> None:
    app, now = FakeApp(NODE_SERVICES), [0.0]
    am = make_am(app, now)
    run(app, "samza-container-0_0", "node-2")
    am.watch_once()
    fail(am, app, "0", "samza-container-0_0")
    assert am.current["0"] == "samza-container-0_1" and app.envs["samza-container-0_1"] is None


class FakeStream:
    def __init__(self) -> None:
        self.writes: list[tuple[str, dict[tuple[str, str], Any]]] = []

    def write(self, source: str, messages: dict[tuple[str, str], Any]) -> None:
        self.writes.append((source, dict(messages)))


def test_a_container_records_its_yarn_node_and_then_its_metrics_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NM_HOST", "node-3")
    stream = FakeStream()
    locality = ContainerLocality(stream, "2", container_host())  # type: ignore[arg-type]
    locality.record()
    locality.record("http://node-3:4000/metrics")
    key = (SET_CONTAINER_HOST, "2")
    assert [m[key] for _, m in stream.writes] == [
        {"host": "node-3", "jmx-url": "", "jmx-tunneling-url": ""},
        {"host": "node-3", "jmx-url": "http://node-3:4000/metrics", "jmx-tunneling-url": ""},
    ]
    assert {source for source, _ in stream.writes} == {"SamzaContainer-2"}


def test_outside_yarn_the_host_is_this_machines_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.delenv("NM_HOST", raising=False)
    assert container_host() == socket.getfqdn()
