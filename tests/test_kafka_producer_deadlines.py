"""No wait of the Kafka producer is unbounded; librdkafka's errors are logged."""

from __future__ import annotations

import logging
import time

import pytest
from confluent_kafka import KafkaError

from samza_py.api import SystemStream
from samza_py.config.config import Config
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.system.kafka import client_config
from samza_py.system.kafka import producer as producer_module
from samza_py.system.kafka.factory import KafkaSystemFactory
from samza_py.system.kafka.producer import KafkaProducerError, KafkaSystemProducer


class StuckProducer:
    """librdkafka with a full queue and a broker that never answers."""

    def __init__(self) -> None:
        self.polls = 0

    def produce(self, *args: object, **kwargs: object) -> None:
        raise BufferError("Local: Queue full")

    def poll(self, timeout: float) -> int:
        self.polls += 1
        time.sleep(min(timeout, 0.01))
        return 0

    def flush(self, timeout: float) -> int:
        time.sleep(min(timeout, 0.01))
        return 3

    def __len__(self) -> int:
        return 3


def stuck(max_block_ms: int, **settings: object) -> KafkaSystemProducer:
    producer = KafkaSystemProducer("kafka", settings, max_block_ms=max_block_ms)
    producer._producer = StuckProducer()  # type: ignore[assignment]
    return producer


def test_a_full_queue_waits_at_most_max_block_ms() -> None:
    producer = stuck(200)
    started = time.monotonic()
    with pytest.raises(KafkaProducerError, match="max.block.ms=200"):
        producer.send_serialized("t", SystemStream("kafka", "out"), None, b"k", b"v")
    assert 0.2 <= time.monotonic() - started < 2


class BusyProducer(StuckProducer):
    """A queue that is full for the first ``full_for`` produce calls, then takes everything."""

    def __init__(self, full_for: int) -> None:
        super().__init__()
        self.full_for, self.produced = full_for, 0

    def produce(self, *args: object, **kwargs: object) -> None:
        if self.full_for:
            self.full_for -= 1
            raise BufferError("Local: Queue full")
        self.produced += 1


def test_a_send_that_finds_the_queue_full_waits_is_counted_and_lands() -> None:
    producer = KafkaSystemProducer("kafka", {}, max_block_ms=5000)
    busy = producer._producer = BusyProducer(full_for=3)  # type: ignore[assignment]
    producer.send_serialized("t", SystemStream("kafka", "out"), None, b"k", b"v")  # 1 wait, 2 retries refused
    producer.send_serialized("t", SystemStream("kafka", "out"), None, b"k", b"v")  # room: no wait
    assert busy.produced == 2 and busy.polls == 3
    assert producer.full_queue_waits.count == 1


def test_max_block_ms_comes_from_the_producer_settings() -> None:
    config = Config({"systems.kafka.producer.bootstrap.servers": "127.0.0.1:1",
                     "systems.kafka.producer.max.block.ms": "1234"})
    producer = KafkaSystemFactory().get_producer("kafka", config, MetricsRegistryMap("t"))
    assert producer._max_block_s == 1.234
    assert "max.block.ms" not in producer.settings  # samza-py's to read, not librdkafka's


def test_a_flush_ends_after_the_message_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(producer_module, "_FLUSH_GRACE_S", 0.2)
    producer = stuck(60000, **{"message.timeout.ms": "100"})
    started = time.monotonic()
    with pytest.raises(KafkaProducerError, match="3 sends not delivered"):
        producer.flush("t")
    assert time.monotonic() - started < 7


def test_librdkafka_errors_are_logged_with_the_client(caplog: pytest.LogCaptureFixture) -> None:
    config = Config({"job.name": "j", "systems.kafka.producer.bootstrap.servers": "127.0.0.1:1"})
    settings = client_config.producer_settings(config, "kafka", client_config.client_id(config, "p"))
    with caplog.at_level(logging.WARNING):
        settings["error_cb"](KafkaError(KafkaError._ALL_BROKERS_DOWN, "1/1 brokers are down"))  # type: ignore[operator]
    assert "Kafka client j-1-p" in caplog.text and "brokers are down" in caplog.text


def test_a_broker_that_is_away_is_not_logged_at_every_reconnect(caplog: pytest.LogCaptureFixture) -> None:
    config = Config({"job.name": "j", "systems.kafka.producer.bootstrap.servers": "127.0.0.1:1"})
    error_cb = client_config.producer_settings(config, "kafka", "c")["error_cb"]
    refused = KafkaError(KafkaError._TRANSPORT, "Connection refused")
    with caplog.at_level(logging.WARNING):
        for _ in range(50):
            error_cb(refused)  # type: ignore[operator]
        error_cb(KafkaError(KafkaError._ALL_BROKERS_DOWN, "1/1 brokers are down"))  # type: ignore[operator]
        error_cb(KafkaError(KafkaError._FENCED, "fenced", fatal=True))  # type: ignore[operator]
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3, lines
    assert "Connection refused" in lines[0] and "brokers are down" in lines[1] and "fatal" in lines[2]
