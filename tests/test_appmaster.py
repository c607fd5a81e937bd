"""The ApplicationMaster's decisions (retry policy, finished containers) and the YARN spec, without YARN."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from samza_py.appmaster.application_master import JobFailed, SamzaApplicationMaster
from samza_py.appmaster.retry_policy import ContainerRetryPolicy
from samza_py.config.config import Config
from samza_py.job.yarn import application_name, build_spec, launch_script


def test_retry_count_zero_fails_on_the_first_failure() -> None:
    decision = ContainerRetryPolicy(0, 300_000).on_failure("0", 1_000)
    assert (decision.restart, decision.fail_job, decision.failures) == (False, True, 1)


def test_failures_within_the_window_add_up_and_past_it_start_over() -> None:
    policy = ContainerRetryPolicy(2, 10_000)
    assert policy.on_failure("0", 0).restart
    assert policy.on_failure("0", 5_000).failures == 2
    third = policy.on_failure("0", 9_000)
    assert (third.restart, third.fail_job, third.failures) == (False, True, 3)
    # Another processor has its own count; a failure after the window counts from 1 again.
    assert policy.on_failure("1", 9_500).failures == 1
    assert policy.on_failure("0", 30_000).failures == 1


def test_negative_retry_count_restarts_forever_and_fail_after_retries_false_stops_only_the_processor() -> None:
    unlimited = ContainerRetryPolicy(-1, 10_000)
    assert all(unlimited.on_failure("0", t).restart for t in range(100))
    lenient = ContainerRetryPolicy(1, 10_000, fail_job_after_retries=False)
    lenient.on_failure("0", 0)
    decision = lenient.on_failure("0", 1)
    assert (decision.restart, decision.fail_job) == (False, False)


@dataclass
class FakeContainer:
    service_name: str
    instance: int
    state: str
    exit_message: str = ""
    yarn_node_http_address: str = "localhost:8042"


@dataclass
class FakeSpec:
    services: dict[str, Any]


class FakeApp:
    """skein's ApplicationClient as the AM uses it: containers requested, killed, and listed by state."""

    def __init__(self, services: tuple[str, ...] = ()) -> None:
        self.kv: dict[str, bytes] = {}
        self.added: list[str] = []
        self.envs: dict[str, dict[str, str] | None] = {}  # skein id → env override
        self.killed: list[str] = []
        self.instances: dict[str, int] = {}
        self.containers: dict[str, FakeContainer] = {}
        self.services = services

    def get_specification(self) -> FakeSpec:
        return FakeSpec({name: object() for name in self.services})

    def add_container(self, service: str, env: dict[str, str] | None = None) -> FakeContainer:
        n = self.instances.get(service, 0)
        self.instances[service] = n + 1
        self.added.append(f"{service}_{n}")
        self.envs[f"{service}_{n}"] = env
        container = self.containers[f"{service}_{n}"] = FakeContainer(service, n, "REQUESTED")
        return container

    def kill_container(self, cid: str) -> None:
        self.killed.append(cid)
        self.containers[cid].state = "KILLED"

    def get_containers(self, states: list[str] | None = None) -> list[FakeContainer]:
        return [c for c in self.containers.values() if states is None or c.state in states]


CONFIG = Config({
    "job.name": "wiki",
    "job.factory.class": "org.apache.samza.job.yarn.YarnJobFactory",
    "job.default.system": "kafka",
    "job.container.count": "2",
    "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
    "systems.kafka.producer.bootstrap.servers": "127.0.0.1:1",
    "cluster-manager.container.retry.count": "1",
    "cluster-manager.container.memory.mb": "768",
    "yarn.am.container.memory.mb": "640",
})


def make_am(app: FakeApp, now: list[float], config: Config = CONFIG) -> SamzaApplicationMaster:
    am = SamzaApplicationMaster(config, app, clock=lambda: now[0])
    for pid in ("0", "1"):
        am.start_container(pid, "first start")
    return am


def test_exit_0_completes_and_a_counted_failure_restarts_then_fails_the_job() -> None:
    app, now = FakeApp(), [100.0]
    am = make_am(app, now)
    app.kv["exit/samza-container-1_0"] = b"0"
    am.on_finished("1", FakeContainer("samza-container-1", 0, "SUCCEEDED"))
    assert am.completed == {"1"} and "1" not in am.current

    app.kv["exit/samza-container-0_0"] = b"137"
    am.on_finished("0", FakeContainer("samza-container-0", 0, "FAILED", "Container failed during execution"))
    assert am.current["0"] == "samza-container-0_1"  # restarted on its own service

    now[0] += 1
    app.kv["exit/samza-container-0_1"] = b"1"
    with pytest.raises(JobFailed) as failed:
        am.on_finished("0", FakeContainer("samza-container-0", 1, "FAILED", "Container failed during execution"))
    assert "processor 0 failed 2 time(s)" in str(failed.value)
    assert "cluster-manager.container.retry.count=1" in str(failed.value)
    assert "last: container samza-container-0_1, exit status 1" in str(failed.value)


def test_a_container_preempted_by_yarn_is_restarted_without_counting() -> None:
    app, now = FakeApp(), [0.0]
    am = make_am(app, now)
    am.on_finished("0", FakeContainer("samza-container-0", 0, "FAILED", "Container preempted by scheduler"))
    assert am.current["0"] == "samza-container-0_1"
    assert am.policy.failures("0") == 0


def test_spec_has_one_any_node_service_per_processor_with_config_resources(tmp_path: Path) -> None:
    config_file = tmp_path / "c.json"
    config_file.write_text("{}")
    spec: Any = build_spec(CONFIG, config_file, ["node-7"])  # host affinity off: no node services
    assert spec.name == application_name(CONFIG) == "wiki_1"
    assert sorted(spec.services) == ["samza-container-0", "samza-container-1"]
    service = spec.services["samza-container-1"]
    assert (service.resources.memory, service.instances, service.max_restarts) == (768, 0, 0)
    assert service.nodes == [] and service.relax_locality is True
    assert service.env["SAMZA_CONTAINER_ID"] == "1"
    assert spec.master.resources.memory == 640


def test_spec_with_host_affinity_has_a_strict_service_per_node(tmp_path: Path) -> None:
    config_file = tmp_path / "c.json"
    config_file.write_text("{}")
    config = Config(dict(CONFIG, **{"job.host-affinity.enabled": "true"}))
    spec: Any = build_spec(config, config_file, ["node-2", "node-1", "node-2", "bad_name"])
    assert sorted(spec.services) == ["samza-container-0", "samza-container-1",
                                     "samza-container-on-node-1", "samza-container-on-node-2"]
    node = spec.services["samza-container-on-node-2"]
    assert node.nodes == ["node-2"] and node.relax_locality is False
    assert "SAMZA_CONTAINER_ID" not in node.env  # the AM names the processor per request
    assert node.resources.memory == 768 and node.instances == 0


def test_launch_script_reports_the_container_exit_status() -> None:
    script = launch_script(CONFIG, "samza_py.container")
    assert '"$PY" -m samza_py.container\ncode=$?\n' in script
    assert "samza_py.appmaster.report_exit" in script
    assert 'exec "$PY" -m samza_py.appmaster' in launch_script(CONFIG, "samza_py.appmaster")
