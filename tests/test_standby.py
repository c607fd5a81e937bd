"""Standby tasks without YARN: the job model's standby containers, config checks, placement and failover."""

from __future__ import annotations

from samza_py.api import SystemStreamPartition
from samza_py.appmaster.application_master import SamzaApplicationMaster
from samza_py.appmaster.standby_manager import StandbyManager
from samza_py.config.config import Config
from samza_py.config.validation import validate
from samza_py.job.model import STANDBY, ContainerModel, JobModel, TaskModel
from samza_py.job.standby import (
    active_container_id,
    active_task_name,
    add_standby_containers,
    host_constraints,
    standby_task_name,
)
from samza_py.job.yarn import node_service_name, processor_ids

from .test_appmaster import CONFIG, FakeApp


def task(n: int) -> TaskModel:
    return TaskModel(f"Partition {n}", frozenset({SystemStreamPartition.of("kafka", "in", n)}), n)


ACTIVE_MODEL = {"0": ContainerModel("0", {"Partition 0": task(0), "Partition 2": task(2)}),
                "1": ContainerModel("1", {"Partition 1": task(1)})}


def model(factor: int) -> JobModel:
    return JobModel({}, add_standby_containers(ACTIVE_MODEL, factor))


def test_standby_containers_follow_samzas_names_and_copy_their_actives_tasks() -> None:
    m = model(3)
    assert sorted(m.containers) == ["0", "0-0", "0-1", "1", "1-0", "1-1"]
    standby = m.containers["0-1"].tasks["Standby-Partition 2-1"]
    assert standby.mode == STANDBY and standby.changelog_partition == 2
    assert standby.system_stream_partitions == task(2).system_stream_partitions
    assert active_task_name("Standby-Partition 2-1") == "Partition 2" == active_task_name("Partition 2")
    assert standby_task_name("Partition 2", 1) == "Standby-Partition 2-1"
    assert active_container_id("0-1") == "0" == active_container_id("0")
    # Standby copies are not tasks of the job (status, checkpoints, changelog mapping count active tasks).
    assert sorted(m.task_models()) == ["Partition 0", "Partition 1", "Partition 2"]
    assert host_constraints(m)["0"] == ["0-0", "0-1"] and host_constraints(m)["0-1"] == ["0", "0-0"]
    assert model(1).containers == ACTIVE_MODEL


def test_task_mode_is_written_for_standbys_only_and_read_back() -> None:
    m = model(2)
    text = m.to_json()
    assert text.count('"task-mode":"Standby"') == 3 and '"Active"' not in text
    assert JobModel.from_json(text) == m


def yarn_config(**extra: str) -> dict[str, str]:
    return {
        "job.name": "counts", "job.factory.class": "org.apache.samza.job.yarn.YarnJobFactory",
        "task.class": "samza_py.examples.wikipedia.stats.WikipediaStatsTask", "task.inputs": "kafka.edits",
        "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "systems.kafka.consumer.bootstrap.servers": "127.0.0.1:9092",
        "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
        "stores.counts.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
        "stores.counts.key.serde": "string", "stores.counts.msg.serde": "string",
        "stores.counts.changelog": "kafka.counts-changelog",
        "job.host-affinity.enabled": "true", "job.standbytask.replication.factor": "2", **extra,
    }


def problems(config: dict[str, str]) -> dict[str, str]:
    return {p.key: str(p) for p in validate(config) if "standby" in str(p) or p.key.startswith("job.standby")}


def test_config_checks_name_the_key_before_anything_is_submitted() -> None:
    assert problems(yarn_config()) == {}
    assert "job.host-affinity.enabled" in problems(yarn_config(**{"job.host-affinity.enabled": "false"}))
    local = problems(yarn_config(**{"job.factory.class": "org.apache.samza.job.local.ProcessJobFactory"}))
    assert "run on YARN only" in local["job.standbytask.replication.factor"]
    no_changelog = yarn_config()
    del no_changelog["stores.counts.changelog"]
    assert "no store of the job has a changelog" in problems(no_changelog)["job.standbytask.replication.factor"]
    assert "at least 1" in problems(yarn_config(**{"job.standbytask.replication.factor": "0"}))[
        "job.standbytask.replication.factor"]
    assert "whole number" in problems(yarn_config(**{"job.standbytask.replication.factor": "two"}))[
        "job.standbytask.replication.factor"]


def test_yarn_services_exist_for_standby_containers() -> None:
    config = Config(yarn_config(**{"job.container.count": "2", "job.standbytask.replication.factor": "3"}))
    assert processor_ids(config) == ["0", "1", "0-0", "1-0", "0-1", "1-1"]


def test_a_standby_is_placed_only_away_from_its_active_and_siblings() -> None:
    manager = StandbyManager(model(3))
    nodes = ["node1", "node2", "node3"]
    assert manager.choose_host("0-0", nodes, {"0": None}, None) is None  # its active's host not known yet
    assert manager.choose_host("0-0", nodes, {"0": "node1", "1": "node2"}, None) == "node3"  # least loaded
    assert manager.choose_host("0-0", nodes, {"0": "node1"}, "node2") == "node2"  # its last host, allowed
    assert manager.choose_host("0-0", nodes, {"0": "node1"}, "node1") == "node2"  # its last host, forbidden
    assert manager.choose_host("0-1", nodes, {"0": "node1", "0-0": "node2"}, None) == "node3"
    assert manager.choose_host("0-1", ["node1"], {"0": "node1"}, None) is None  # nowhere: it waits


def standby_am(nodes: tuple[str, ...], m: JobModel) -> tuple[FakeApp, SamzaApplicationMaster]:
    """An AM with standbys enabled over a fake skein app with a service per node, its containers started."""
    app = FakeApp(tuple(node_service_name(n) for n in nodes))
    config = Config(dict(CONFIG.to_dict(), **{"job.host-affinity.enabled": "true",
                                              "job.standbytask.replication.factor": "2"}))
    am = SamzaApplicationMaster(config, app, clock=lambda: 0.0)
    am.job_model, am.standby = m, StandbyManager(m)
    am.start_all(m, "first start")
    return app, am


def running(app: FakeApp, cid: str, host: str) -> None:
    app.containers[cid].state = "RUNNING"
    app.containers[cid].yarn_node_http_address = f"{host}:8042"


def test_a_failed_active_is_promoted_in_its_standbys_process_and_the_standby_placed_again() -> None:
    app, am = standby_am(("node1", "node2", "node3"), model(2))
    assert sorted(am.current) == ["0", "1"]  # standbys wait for their actives' hosts
    running(app, am.current["0"], "node1")
    running(app, am.current["1"], "node2")
    am.watch_once()
    # Each standby on a node its active does not use (the least loaded first).
    assert app.envs[am.current["0-0"]] == {"SAMZA_CONTAINER_ID": "0-0"}
    assert am.current["0-0"].startswith(node_service_name("node3"))
    assert am.current["1-0"].startswith(node_service_name("node1"))
    running(app, am.current["0-0"], "node3")
    running(app, am.current["1-0"], "node1")
    am.watch_once()

    # Container 0 dies: its standby's process is told to run it, on node3; no new YARN container for it.
    failed, standby_cid = am.current["0"], am.current["0-0"]
    app.kv[f"metrics-url/{standby_cid}"] = b"http://node3:1/metrics"
    app.kv[f"exit/{failed}"] = b"137"
    app.containers[failed].state = "FAILED"
    added = len(app.added)
    am.watch_once()
    assert am.current["0"] == standby_cid and app.kv[f"promote/{standby_cid}"] == b"0"
    assert f"metrics-url/{standby_cid}" not in app.kv  # the promoted container publishes its own
    assert am.processor("0").host == "node3" and am.processor("0").restarts == 1
    assert am.policy.failures("0-0") == 0 and am.standby.failovers_to_standby == 1
    # The standby is asked for again, away from node3 where its active now runs.
    am.watch_once()
    assert len(app.added) == added + 1 and not am.current["0-0"].startswith(node_service_name("node3"))
    assert am.status()["failovers_to_standby"] == 1
    assert {c["id"]: c["mode"] for c in am.status()["containers"]}["0-0"] == "standby"


def test_without_a_running_standby_the_active_restarts_by_host_affinity() -> None:
    app, am = standby_am(("node1",), model(2))
    running(app, am.current["0"], "node1")
    am.watch_once()
    assert "0-0" not in am.current  # one node: nowhere for the standby to go
    failed = am.current["0"]
    app.kv[f"exit/{failed}"] = b"1"
    app.containers[failed].state = "FAILED"
    am.watch_once()
    assert am.current["0"].startswith(node_service_name("node1")) and am.standby.failovers_to_any_host == 1


def test_the_job_ends_when_its_actives_complete_and_stops_the_standbys() -> None:
    m = JobModel({}, add_standby_containers({"0": ACTIVE_MODEL["0"]}, 2))
    app, am = standby_am(("node1", "node2"), m)
    running(app, am.current["0"], "node1")
    am.watch_once()
    running(app, am.current["0-0"], "node2")
    am.watch_once()
    app.kv[f"exit/{am.current['0']}"] = b"0"
    app.containers[am.current["0"]].state = "SUCCEEDED"
    standby_cid = am.current["0-0"]
    am.poll_s = 0.0
    assert am._supervise(m, float("inf")) == ("SUCCEEDED", "all containers completed")
    assert standby_cid in app.killed and not am.current
