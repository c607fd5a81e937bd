"""Standalone (ZooKeeper) keys: defaults, and validation naming the key at fault before anything starts."""

from __future__ import annotations

import pytest

from samza_py.config import Config, validate
from samza_py.config.zk_config import ZkConfig
from samza_py.coordinator.zk.processor_id import processor_id_for

BASE = {
    "job.name": "counts",
    "job.coordinator.factory": "org.apache.samza.zk.ZkJobCoordinatorFactory",
    "job.coordinator.zk.connect": "127.0.0.1:2181",
    "task.class": "tests.config.sample_classes.GoodTask",
    "task.inputs": "kafka.in",
    "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
}


def problems(**changes: str | None) -> dict[str, str]:
    values = {**BASE, **changes}
    return {p.key: p.message for p in validate(Config({k: v for k, v in values.items() if v is not None}))}


def test_a_standalone_config_is_valid_without_a_job_factory() -> None:
    assert problems() == {}
    assert "job.factory.class" in problems(**{"job.coordinator.factory": None})


def test_defaults_are_samzas() -> None:
    zk = ZkConfig(Config(BASE))
    assert zk.standalone
    assert (zk.session_timeout_ms, zk.connection_timeout_ms, zk.consensus_timeout_ms, zk.debounce_ms) == (
        30000, 60000, 40000, 20000)
    assert (zk.app_name, zk.app_id) == ("counts", "1")


@pytest.mark.parametrize("connect, message", [
    (None, "is required"),
    ("", "is required"),
    ("localhost", "is not host:port"),
    ("localhost:2181,", "is not host:port"),
    ("localhost:99999", "port 99999 is out of range"),
    ("local host:2181", "is not host:port"),
])
def test_a_missing_or_bad_connect_string_names_the_key(connect: str | None, message: str) -> None:
    found = problems(**{"job.coordinator.zk.connect": connect})
    assert message in found["job.coordinator.zk.connect"]


@pytest.mark.parametrize("connect, normalised", [
    ("127.0.0.1:2181", "127.0.0.1:2181"),
    ("zk1:2181,zk2:2181,zk3:2181", "zk1:2181,zk2:2181,zk3:2181"),
    ("zk1:2181/samza/prod", "zk1:2181/samza/prod"),
    ("localhost:2181/", "localhost:2181"),  # hello-samza's spelling
])
def test_good_connect_strings(connect: str, normalised: str) -> None:
    assert problems(**{"job.coordinator.zk.connect": connect}) == {}
    assert ZkConfig(Config({**BASE, "job.coordinator.zk.connect": connect})).connect == normalised


def test_other_problems_name_their_keys() -> None:
    found = problems(**{
        "job.coordinator.factory": "org.apache.samza.standalone.PassthroughJobCoordinatorFactory",
    })
    assert "is not supported" in found["job.coordinator.factory"]
    found = problems(**{"processor.id": "a b", "job.debounce.time.ms": "soon",
                        "job.coordinator.zk.session.timeout.ms": "0"})
    assert set(found) == {"processor.id", "job.debounce.time.ms", "job.coordinator.zk.session.timeout.ms"}
    assert "no.such.Generator" in problems(**{"app.processor-id-generator.class": "no.such.Generator"})[
        "app.processor-id-generator.class"]


def test_processor_ids_come_from_config_else_a_fresh_uuid() -> None:
    assert processor_id_for(Config({**BASE, "processor.id": "p7"})) == "p7"
    first, second = processor_id_for(Config(BASE)), processor_id_for(Config(BASE))
    assert first != second and len(first) == 36
