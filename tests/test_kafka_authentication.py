"""A refused login or handshake ends a wait on the broker at once, with an error that names the system and
the brokers but no secret; a send the broker refuses names its topic; the coordinator stream gets no secret."""

from __future__ import annotations

import time
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException

from samza_py.api import SystemStream
from samza_py.config.config import Config
from samza_py.coordinator.stream import SET_CONFIG, CoordinatorStream
from samza_py.system.kafka.authentication import AuthenticationWatch, KafkaAuthenticationError
from samza_py.system.kafka.producer import KafkaProducerError, KafkaSystemProducer

PASSWORD = "s3cr3t-Pa55"
JAAS = f'org.apache.kafka.common.security.scram.ScramLoginModule required username="job" password="{PASSWORD}";'


class RefusingBroker:
    """A client whose requests time out while librdkafka reports, on the next poll, ``error``."""

    def __init__(self, settings: dict[str, object], error: KafkaError | None) -> None:
        self.error_cb = settings["error_cb"]
        self.error = error
        self.attempts = 0

    def poll(self, timeout: float) -> int:
        if self.error is not None:
            self.error_cb(self.error)  # type: ignore[operator]
        return 0

    def list_topics(self, timeout: float) -> Any:
        self.attempts += 1
        time.sleep(timeout)
        raise KafkaException(KafkaError(KafkaError._TRANSPORT, "Failed to get metadata: Broker transport failure"))


def watched(error: KafkaError | None, **settings: object) -> tuple[AuthenticationWatch, RefusingBroker, list]:
    seen: list[KafkaError] = []
    values: dict[str, object] = {"bootstrap.servers": "127.0.0.1:9094", "sasl.mechanism": "SCRAM-SHA-512",
                                 "error_cb": seen.append, **settings}
    watch = AuthenticationWatch("kafka", values)
    return watch, RefusingBroker(values, error), seen


def test_a_refused_login_ends_the_wait_at_the_first_slice_naming_system_brokers_and_what_to_check() -> None:
    refused = KafkaError(KafkaError._AUTHENTICATION, "SASL authentication error: Authentication failed during "
                         "authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512")
    watch, broker, seen = watched(refused)
    started = time.monotonic()
    with pytest.raises(KafkaAuthenticationError) as failure:
        watch.wait(broker, lambda s: broker.list_topics(timeout=s), 30, "the metadata of t")
    assert time.monotonic() - started < 2
    assert broker.attempts == 1
    message = str(failure.value)
    assert "Kafka system 'kafka': authentication to 127.0.0.1:9094 failed" in message
    assert "invalid credentials" in message and "sasl.jaas.config" in message and "SCRAM-SHA-512" in message
    assert seen == [refused]  # the error_cb that was there still hears it


def test_a_failed_tls_handshake_points_at_the_ca() -> None:
    watch, broker, _ = watched(KafkaError(KafkaError._SSL, "SSL handshake failed: certificate verify failed"))
    with pytest.raises(KafkaAuthenticationError, match="ssl.ca.location"):
        watch.wait(broker, lambda s: broker.list_topics(timeout=s), 30, "the metadata of t")


def test_a_broker_that_is_only_slow_is_waited_for_in_growing_slices_until_the_deadline() -> None:
    watch, broker, _ = watched(None)
    started = time.monotonic()
    with pytest.raises(KafkaException, match="the metadata of t on 127.0.0.1:9094 timed out after 1.2s"):
        watch.wait(broker, lambda s: broker.list_topics(timeout=s), 1.2, "the metadata of t")
    assert 1.2 <= time.monotonic() - started < 3
    assert broker.attempts == 2  # 0.5 s, then the 0.7 s left of the deadline


def test_other_errors_are_not_retried() -> None:
    watch, broker, _ = watched(None)

    def denied(_slice: float) -> None:
        raise KafkaException(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED))

    with pytest.raises(KafkaException, match="TOPIC_AUTHORIZATION_FAILED"):
        watch.wait(broker, denied, 30, "x")


class DenyingProducer:
    def produce(self, *args: object, **kwargs: object) -> None:
        raise KafkaException(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED,
                                        "Unable to produce message: Broker: Topic authorization failed"))

    def poll(self, timeout: float) -> int:
        return 0


@pytest.mark.parametrize("path", ["send_serialized", "sender"])
def test_a_send_the_broker_refuses_names_the_topic_and_the_authorization_failure(path: str) -> None:
    producer = KafkaSystemProducer("kafka", {}, max_block_ms=100)
    producer._producer = DenyingProducer()  # type: ignore[assignment]
    with pytest.raises(KafkaProducerError) as failure:
        if path == "sender":
            producer.sender("t", SystemStream("kafka", "edits"))(None, b"k", b"v")
        else:
            producer.send_serialized("t", SystemStream("kafka", "edits"), None, b"k", b"v")
    assert "send to topic edits failed: not authorized to write (TOPIC_AUTHORIZATION_FAILED)" in str(failure.value)


def test_the_coordinator_stream_gets_secret_keys_redacted() -> None:
    config = Config({
        "job.name": "j", "job.coordinator.system": "kafka",
        "systems.kafka.samza.factory": "samza_py.system.kafka.factory.KafkaSystemFactory",
        "systems.kafka.producer.bootstrap.servers": "127.0.0.1:1",
        "systems.kafka.consumer.sasl.jaas.config": JAAS,
        "systems.kafka.consumer.security.protocol": "SASL_SSL",
    })
    stream = CoordinatorStream(config)
    written: dict[tuple[str, str], Any] = {}
    stream.read = lambda: {}  # type: ignore[method-assign]
    stream.write = lambda source, messages: written.update(messages)  # type: ignore[method-assign]
    stream.write_config(config)
    assert written[(SET_CONFIG, "systems.kafka.consumer.sasl.jaas.config")] == {"value": "[redacted]"}
    assert written[(SET_CONFIG, "systems.kafka.consumer.security.protocol")] == {"value": "SASL_SSL"}
    assert PASSWORD not in repr(written)


class UnauthenticatedProducer:
    """librdkafka whose login was refused: sends queue up, flushes never finish, error_cb hears why."""

    def __init__(self, settings: dict[str, object]) -> None:
        self.error_cb = settings["error_cb"]

    def produce(self, *args: object, **kwargs: object) -> None:
        pass

    def poll(self, timeout: float) -> int:
        return 0

    def flush(self, timeout: float) -> int:
        self.error_cb(KafkaError(KafkaError._AUTHENTICATION, "SASL authentication error: invalid credentials"))  # type: ignore[operator]
        return 1

    def __len__(self) -> int:
        return 1


def test_a_producer_whose_login_is_refused_fails_its_first_flush_naming_the_producer_keys() -> None:
    producer = KafkaSystemProducer("kafka", {"bootstrap.servers": "127.0.0.1:9094"}, max_block_ms=100)
    producer._producer = UnauthenticatedProducer(producer._settings)  # type: ignore[assignment]
    producer.send_serialized("t", SystemStream("kafka", "edits"), None, b"k", b"v")
    started = time.monotonic()
    with pytest.raises(KafkaAuthenticationError, match="systems.kafka.producer.sasl.jaas.config"):
        producer.flush("commit")
    assert time.monotonic() - started < 1
