"""The 3-node grid (GRID_NODES=3 deploy/grid bootstrap): nodes, brokers and DataNodes, and a node's crash.

Every address comes from deploy/env (GRID_RM_WEB, GRID_KAFKA_BOOTSTRAP, GRID_FS), which bin/test sources.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from .conftest import ROOT, run_grid
from .hdfs import hdfs, live_datanodes
from .jobs import wait_for

pytestmark = pytest.mark.multinode

NODES = ("node1", "node2", "node3")
BROKER_ADDRESSES = {"127.0.1.1", "127.0.1.2", "127.0.1.3"}


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: source the 3-node grid's deploy/env (bin/test does)")
    return value


@pytest.fixture(scope="module", autouse=True)
def three_nodes() -> None:
    if env("GRID_NODES") != "3":
        pytest.fail(f"these tests need GRID_NODES=3 deploy/grid bootstrap, not GRID_NODES={env('GRID_NODES')}")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def yarn_node_states() -> dict[str, str]:
    nodes = get_json(f"{env('GRID_RM_WEB')}/ws/v1/cluster/nodes")["nodes"] or {}
    return {node["nodeHostName"]: node["state"] for node in nodes.get("node", [])}


def broker_hosts() -> set[str]:
    metadata = AdminClient({"bootstrap.servers": env("GRID_KAFKA_BOOTSTRAP")}).list_topics(timeout=10)
    return {broker.host for broker in metadata.brokers.values()}


def produce_all_acks(topic: str, count: int) -> int:
    """Writes with acks=all; returns how many the cluster acknowledged."""
    acked: list[int] = []
    producer = Producer({"bootstrap.servers": env("GRID_KAFKA_BOOTSTRAP"), "acks": "all",
                         "message.timeout.ms": 30000})
    for i in range(count):
        producer.produce(topic, value=str(i).encode(),
                         on_delivery=lambda err, _msg: acked.append(1) if err is None else None)
    assert producer.flush(60) == 0, "messages still in flight after 60 s"
    return len(acked)


def test_three_nodes_three_brokers_three_datanodes(unique: str, tmp_path: Path) -> None:
    assert yarn_node_states() == dict.fromkeys(NODES, "RUNNING")
    assert broker_hosts() == BROKER_ADDRESSES
    assert live_datanodes() == 3
    local = tmp_path / "hello.txt"
    local.write_text("hello, three nodes\n")
    path = f"/it/{unique}/hello.txt"
    hdfs("dfs", "-mkdir", "-p", f"/it/{unique}")
    hdfs("dfs", "-put", str(local), path)
    assert hdfs("dfs", "-cat", path) == "hello, three nodes\n"
    assert hdfs("dfs", "-stat", "%r", path).strip() == "3"


def test_a_crashed_node_is_lost_and_comes_back(unique: str) -> None:
    admin = AdminClient({"bootstrap.servers": env("GRID_KAFKA_BOOTSTRAP")})
    topic = f"{unique}-durable"
    futures = admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=3,
                                            config={"min.insync.replicas": "2"})])
    futures[topic].result(30)
    assert produce_all_acks(topic, 100) == 100

    run_grid("stop-node", "node3")
    try:
        wait_for(lambda: yarn_node_states().get("node3") != "RUNNING", 60, "the RM to notice node3 is gone")
        assert yarn_node_states()["node3"] == "LOST"
        wait_for(lambda: broker_hosts() == BROKER_ADDRESSES - {"127.0.1.3"}, 60, "Kafka to report 2 brokers")
        # Two of three replicas in sync is enough for min.insync.replicas=2.
        assert produce_all_acks(topic, 100) == 100
    finally:
        run_grid("start-node", "node3")

    assert yarn_node_states() == dict.fromkeys(NODES, "RUNNING")
    wait_for(lambda: broker_hosts() == BROKER_ADDRESSES, 60, "Kafka to report 3 brokers again")
    wait_for(lambda: live_datanodes() == 3, 60, "3 live DataNodes again")
    assert produce_all_acks(topic, 10) == 10


def test_containers_spread_over_nodes_and_keep_state_on_their_node(skein_client: Any, unique: str) -> None:
    import skein

    deploy = Path(os.environ.get("HADOOP_CONF_DIR") or ROOT / "deploy" / "conf").parent
    state_dirs = {node: deploy / "nodes" / node / "state" for node in NODES}
    probe = f'echo "$NM_HOST $LOGGED_STORE_BASE_DIR" > "$LOGGED_STORE_BASE_DIR/{unique}-$SKEIN_CONTAINER_ID"; sleep 600'
    spec = skein.ApplicationSpec(
        name=f"spread-{unique}",
        master=skein.Master(resources=skein.Resources(memory=512, vcores=1), script="sleep 600"),
        # Five 512 MB containers and a 512 MB AM fill three 1280 MB nodes (two each): every node takes some.
        services={"probe": skein.Service(resources=skein.Resources(memory=512, vcores=1), script=probe,
                                         instances=5)},
    )
    app_id = skein_client.submit(spec)
    try:
        def probes() -> list[Path]:
            return [p for d in state_dirs.values() if d.is_dir() for p in d.glob(f"{unique}-*")]

        wait_for(lambda: len(probes()) == 5, 180, "5 containers to write their probes")
        seen = {}
        for path in probes():
            host, base_dir = path.read_text().split()
            # Each container's LOGGED_STORE_BASE_DIR is on its own node's disk.
            assert Path(base_dir) == state_dirs[host] == path.parent
            seen[path.name] = host
        assert set(seen.values()) == set(NODES), seen
    finally:
        skein_client.kill_application(app_id)
