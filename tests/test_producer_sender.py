"""KafkaSystemProducer.sender: the compiled sender and the Python closure produce, partition, poll and fail alike."""

from __future__ import annotations

import gc
import sys
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException

from samza_py.api import SystemStream
from samza_py.system.kafka import producer as producer_module
from samza_py.system.kafka.partitioner import samza_partition
from samza_py.system.kafka.producer import KafkaProducerError, KafkaSystemProducer

OUT = SystemStream("kafka", "out")


class RecordingClient:
    """confluent-kafka's Producer as far as a sender uses it: records produce calls and polls; the next
    produce may be made to raise."""

    def __init__(self) -> None:
        self.produced: list[tuple[Any, ...]] = []
        self.polls = 0
        self.fail_next: list[BaseException] = []

    def produce(self, *args: Any) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.produced.append(args)

    def poll(self, timeout: float) -> int:
        self.polls += 1
        return 0

    def list_topics(self, topic: str, timeout: float) -> Any:
        raise AssertionError("partition counts come from the test")

    def __len__(self) -> int:
        return 0


@pytest.fixture(params=["compiled", "python"])
def implementation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "compiled":
        assert producer_module.CompiledSender is not None  # bin/setup makes sure of a C compiler
    else:  # as installed without a C compiler: the closure and the Python tally
        monkeypatch.setattr(producer_module, "CompiledSender", None)
        monkeypatch.setattr(producer_module, "SendTally", producer_module.PythonSendTally)
        monkeypatch.setattr(producer_module, "produce_pairs", None)
    return str(request.param)


def producer_with(client: RecordingClient, partitions: int = 4) -> KafkaSystemProducer:
    producer = KafkaSystemProducer("kafka", {}, max_block_ms=1000)
    producer._producer = client  # type: ignore[assignment]
    producer._partition_counts["out"] = partitions
    return producer


def test_an_unkeyed_send_leaves_the_partition_to_the_client(implementation: str) -> None:
    client = RecordingClient()
    send = producer_with(client).sender("task", OUT)
    send(None, b"k", b"v")
    send(None, None, b"w")
    assert client.produced == [("out", b"v", b"k"), ("out", b"w", None)]


@pytest.mark.parametrize("partition_key", ["user-000123", b"\xffkey", 17, "日本"])
def test_a_keyed_send_goes_to_samzas_partition(implementation: str, partition_key: Any) -> None:
    client = RecordingClient()
    producer = producer_with(client, partitions=7)
    asked: list[str] = []
    real_count = producer.partition_count

    def counting(topic: str) -> int:
        asked.append(topic)
        return real_count(topic)

    producer.partition_count = counting  # type: ignore[method-assign]
    send = producer.sender("task", OUT)
    send(partition_key, b"k", b"v")
    send(partition_key, b"k", b"v2")
    expected = samza_partition(partition_key, 7)
    assert client.produced == [("out", b"v", b"k", expected), ("out", b"v2", b"k", expected)]
    assert asked == ["out"]  # asked once per sender


def test_a_key_with_no_java_hash_is_refused(implementation: str) -> None:
    client = RecordingClient()
    with pytest.raises(TypeError, match="no Java hashCode"):
        producer_with(client).sender("task", OUT)([1, 2], b"k", b"v")
    assert client.produced == [] and producer_with(client)._tally.unpolled == 0


def test_sends_are_polled_every_few_and_counted(implementation: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(producer_module, "_POLL_EVERY", 3)
    client = RecordingClient()
    producer = producer_with(client)
    send = producer.sender("task", OUT)
    for i in range(7):
        send(None, None, str(i).encode())
    assert client.polls == 2  # after the 3rd and the 6th
    assert producer.sends.count == 6 and producer._tally.unpolled == 1
    producer.send_serialized("task", OUT, None, None, b"x")  # the producer's other sends share the count
    assert producer._tally.unpolled == 2


def test_a_full_queue_waits_for_room_and_the_send_still_counts(implementation: str) -> None:
    client = RecordingClient()
    producer = producer_with(client)
    client.fail_next = [BufferError("Local: Queue full")]
    producer.sender("task", OUT)("user-1", b"k", b"v")
    partition = samza_partition("user-1", 4)
    assert client.produced == [("out", b"v", b"k", partition)]  # produced again by _produce_when_room
    assert client.polls >= 1 and producer._tally.unpolled == 1


def test_a_refused_send_names_its_topic(implementation: str) -> None:
    client = RecordingClient()
    producer = producer_with(client)
    refused = KafkaException(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED))
    client.fail_next = [refused]
    with pytest.raises(KafkaProducerError, match="send to topic out failed: not authorized") as caught:
        producer.sender("task", OUT)(None, b"k", b"v")
    assert caught.value.__cause__ is refused
    assert producer._tally.unpolled == 0


def test_a_refused_batch_send_names_its_topic_after_sending_what_came_before(implementation: str) -> None:
    """A store's changelog batch (send_serialized_all) reports a refused send as the single sends do."""
    client = RecordingClient()
    producer = producer_with(client)
    client.produced, refused = [], KafkaException(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE))

    def produce(*args: Any) -> None:
        if args[1] == b"too big":
            raise refused
        client.produced.append(args)

    client.produce = produce  # type: ignore[method-assign]
    with pytest.raises(KafkaProducerError, match="send to topic out failed: .*MSG_SIZE_TOO_LARGE") as caught:
        producer.send_serialized_all("store", OUT, 2, [(b"a", b"1"), (b"b", b"too big"), (b"c", b"3")])
    assert caught.value.__cause__ is refused
    assert client.produced == [("out", b"1", b"a", samza_partition(2, 4))]
    assert producer._tally.unpolled == 1  # the send before the refused one is counted


def test_other_errors_pass_unchanged(implementation: str) -> None:
    client = RecordingClient()
    client.fail_next = [ValueError("bad value")]
    with pytest.raises(ValueError, match="bad value"):
        producer_with(client).sender("task", OUT)(None, b"k", b"v")


def test_the_compiled_sender_keeps_no_references() -> None:
    assert producer_module.CompiledSender is not None
    client = RecordingClient()
    producer = producer_with(client)
    send = producer.sender("task", OUT)
    key, value = "user-000042", b"v" * 40
    send(key, b"k", value)  # the partition count, asked once, is kept
    client.produced.clear()
    before = (sys.getrefcount(key), sys.getrefcount(value), sys.getrefcount(producer))
    for _ in range(200):
        send(key, b"k", value)
    client.produced.clear()
    gc.collect()
    assert (sys.getrefcount(key), sys.getrefcount(value), sys.getrefcount(producer)) == before


def test_the_compiled_emitter_keeps_no_references() -> None:
    from samza_py._send_path import Emitter
    from samza_py.api import Counter

    sent: list[tuple[Any, Any, Any]] = []
    sends = Counter("sends")
    checked: list[Any] = []

    def check(what: str, serde_key: str, value: Any) -> None:
        checked.append((what, serde_key))

    raw = Emitter(check, sends, lambda *args: sent.append(args), None, None, None, None)
    encoded = Emitter(check, sends, lambda *args: sent.append(args), str.encode, str.encode, None, None)
    key, text, value = "user-7", "text", b"v" * 40
    raw(None, key, value)
    encoded(key, key, value)
    assert sent == [(None, key, value), (key, b"user-7", value)]
    assert checked == [("key", "key.serde")] and sends.count == 2
    sent.clear()
    before = (sys.getrefcount(key), sys.getrefcount(text), sys.getrefcount(value))
    for _ in range(200):
        raw(key, text, value)
        encoded(key, key, value)
    sent.clear()
    gc.collect()
    assert (sys.getrefcount(key), sys.getrefcount(text), sys.getrefcount(value)) == before
    assert sends.count == 402


@pytest.mark.parametrize("partitions", [1, 2, 5, 12])
@pytest.mark.parametrize(
    "partition_key", ["polygenelubricants", "", "a\U0001f600b", "\ud800", "ß-é", b"", b"\x80\xff", "x" * 300])
def test_text_and_bytes_keys_land_where_samza_partition_says(implementation: str, partitions: int,
                                                              partition_key: Any) -> None:
    # The compiled sender hashes text and bytes itself; the partition must be Java Samza's all the same.
    client = RecordingClient()
    producer_with(client, partitions=partitions).sender("task", OUT)(partition_key, b"k", b"v")
    assert client.produced == [("out", b"v", b"k", samza_partition(partition_key, partitions))]


def test_a_str_subclass_key_is_hashed_as_text(implementation: str) -> None:
    class UserId(str):
        pass

    client = RecordingClient()
    producer_with(client, partitions=7).sender("task", OUT)(UserId("user-42"), b"k", b"v")
    assert client.produced == [("out", b"v", b"k", samza_partition("user-42", 7))]


class PropertyCounter:
    """A counter keeping its count behind a property: counted through the attribute, as Python code would."""

    def __init__(self) -> None:
        self.seen: list[int] = []
        self._count = 0

    @property
    def count(self) -> int:
        return self._count

    @count.setter
    def count(self, value: int) -> None:
        self.seen.append(value)
        self._count = value


@pytest.mark.parametrize("start", [0, 255, 2**31, 2**63 - 1, 2**70, -3])
def test_the_compiled_emitter_adds_one_to_any_count(start: int) -> None:
    from samza_py._send_path import Emitter
    from samza_py.api import Counter

    sends = Counter("sends")
    sends.count = start
    emit = Emitter(lambda *args: None, sends, lambda *args: None, None, None, None, None)
    emit(None, b"k", b"v")
    emit(None, b"k", b"v")
    assert sends.count == start + 2 and type(sends.count) is int
    other = PropertyCounter()
    emit = Emitter(lambda *args: None, other, lambda *args: None, None, None, None, None)
    emit(None, b"k", b"v")
    assert other.seen == [1] and other.count == 1
    del sends.count
    emit = Emitter(lambda *args: None, sends, lambda *args: None, None, None, None, None)
    with pytest.raises(AttributeError, match="count"):
        emit(None, b"k", b"v")


def test_a_batch_waits_out_a_full_queue_mid_batch_and_counts_every_send(implementation: str) -> None:
    client = RecordingClient()
    producer = producer_with(client)
    sends = [(b"a", b"1"), [b"b", b"2"], (b"c", None)]  # a list pair too; None is a tombstone

    def produce(*args: Any) -> None:
        if args[1] == b"2" and producer.full_queue_waits.count == 0:
            raise BufferError("Local: Queue full")
        client.produced.append(args)

    client.produce = produce  # type: ignore[method-assign]
    producer.send_serialized_all("store", OUT, 2, sends)  # type: ignore[arg-type]
    partition = samza_partition(2, 4)
    assert client.produced == [("out", b"1", b"a", partition), ("out", b"2", b"b", partition),
                               ("out", None, b"c", partition)]
    assert producer.full_queue_waits.count == 1 and client.polls == 1 and producer._tally.unpolled == 3


def test_an_interrupted_batch_propagates_with_the_sends_before_it_counted(implementation: str) -> None:
    client = RecordingClient()
    producer = producer_with(client)
    client.produced, client.fail_next = [], []
    original = client.produce

    def produce(*args: Any) -> None:
        if args[1] == b"2":
            raise KeyboardInterrupt
        original(*args)

    client.produce = produce  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        producer.send_serialized_all("store", OUT, 0, [(b"a", b"1"), (b"b", b"2"), (b"c", b"3")])
    assert [args[1] for args in client.produced] == [b"1"] and producer._tally.unpolled == 1


def test_the_compiled_batch_send_keeps_no_references() -> None:
    client = RecordingClient()
    producer = producer_with(client)
    key, value = b"k" * 40, b"v" * 40
    before = (sys.getrefcount(key), sys.getrefcount(value), sys.getrefcount(producer))
    for _ in range(200):
        producer.send_serialized_all("store", OUT, 1, [(key, value), (key, None)])
        client.produced.clear()
        client.fail_next = [KafkaException(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE))]
        with pytest.raises(KafkaProducerError):
            producer.send_serialized_all("store", OUT, 1, [(key, value)])
    gc.collect()
    assert (sys.getrefcount(key), sys.getrefcount(value), sys.getrefcount(producer)) == before
