"""read_runs: the compiled version and the Python reference make the same envelopes, runs and offsets."""

from __future__ import annotations

import gc
import sys
from dataclasses import dataclass
from typing import Any

import pytest
from confluent_kafka import KafkaError, Message

from samza_py.api import IncomingMessageEnvelope, SystemStreamPartition
from samza_py.system.kafka import message_runs

A0 = SystemStreamPartition("kafka", "a", 0)
A1 = SystemStreamPartition("kafka", "a", 1)
B0 = SystemStreamPartition("kafka", "b", 0)
SSPS = {("a", 0): A0, ("a", 1): A1, ("b", 0): B0}


@dataclass
class FakeMessage:
    """What read_runs asks of confluent-kafka's Message."""

    topic_name: str
    partition_id: int
    offset_value: int
    key_value: Any = None
    payload: Any = b"v"
    stamp: tuple[int, int] = (1, 1700000000000)
    failure: Any = None

    def error(self) -> Any:
        return self.failure

    def topic(self) -> str:
        return self.topic_name

    def partition(self) -> int:
        return self.partition_id

    def offset(self) -> int:
        return self.offset_value

    def key(self) -> Any:
        return self.key_value

    def value(self) -> Any:
        return self.payload

    def timestamp(self) -> tuple[int, int]:
        return self.stamp


@pytest.fixture(params=["compiled", "python"])
def read_runs(request: pytest.FixtureRequest) -> message_runs.ReadRuns:
    if request.param == "compiled":
        # bin/setup makes sure of a C compiler, so the project's own install always has it.
        assert message_runs.COMPILED and message_runs.read_runs is message_runs._compiled_read_runs
        return message_runs.read_runs
    return message_runs.python_read_runs


def _read(read_runs: message_runs.ReadRuns, messages: list[FakeMessage], only_topic: str | None = None,
          nexts: dict[SystemStreamPartition, int] | None = None,
          ends: dict[SystemStreamPartition, int] | None = None) -> tuple[list[Any], dict[Any, int], dict[Any, Any]]:
    nexts = nexts if nexts is not None else {A0: 0, A1: 0, B0: 0}
    again: dict[SystemStreamPartition, list[int]] = {}
    runs = read_runs(messages, only_topic, SSPS, ends or {}, nexts, IncomingMessageEnvelope, 42, again,
                     _no_errors)
    described = [(ssp, [_describe(e) for e in run], nbytes, last) for ssp, run, nbytes, last in runs]
    return described, nexts, again


def _no_errors(msg: Any) -> None:
    raise AssertionError(f"unexpected error message {msg}")


def _describe(envelope: IncomingMessageEnvelope) -> tuple[Any, ...]:
    assert type(envelope) is IncomingMessageEnvelope
    return (envelope.system_stream_partition, envelope.offset, envelope.key, envelope.message, envelope.size,
            envelope.event_time, envelope.arrival_time)


def test_runs_follow_partition_changes(read_runs: message_runs.ReadRuns) -> None:
    messages = [FakeMessage("a", 0, 0, b"k0", b"hello"), FakeMessage("a", 0, 1, None, b"xy"),
                FakeMessage("a", 1, 5, b"k", None, (0, 0)), FakeMessage("a", 0, 2, b"", b"")]
    runs, nexts, again = _read(read_runs, messages, only_topic="a", nexts={A0: 0, A1: 5, B0: 0})
    assert runs == [
        (A0, [(A0, "0", b"k0", b"hello", 7, 1700000000000, 42), (A0, "1", None, b"xy", 2, 1700000000000, 42)], 9, 1),
        (A1, [(A1, "5", b"k", None, 1, 0, 42)], 1, 5),  # no timestamp: event time 0
        (A0, [(A0, "2", b"", b"", 0, 1700000000000, 42)], 0, 2),
    ]
    assert nexts == {A0: 3, A1: 6, B0: 0}
    assert again == {}


def test_topics_are_read_when_there_are_several(read_runs: message_runs.ReadRuns) -> None:
    messages = [FakeMessage("a", 0, 0), FakeMessage("b", 0, 0), FakeMessage("b", 0, 1), FakeMessage("a", 0, 1)]
    runs, nexts, _ = _read(read_runs, messages)
    assert [(ssp, [e[1] for e in run]) for ssp, run, _, _ in runs] == [
        (A0, ["0"]), (B0, ["0", "1"]), (A0, ["1"])]
    assert nexts == {A0: 2, A1: 0, B0: 2}


def test_redelivered_messages_are_dropped_and_noted(read_runs: message_runs.ReadRuns) -> None:
    messages = [FakeMessage("a", 0, offset) for offset in (3, 4, 5, 6)]
    runs, nexts, again = _read(read_runs, messages, nexts={A0: 5, A1: 0, B0: 0})
    assert [(ssp, [e[1] for e in run], last) for ssp, run, _, last in runs] == [(A0, ["5", "6"], 6)]
    assert again == {A0: [3, 4]}
    assert nexts[A0] == 7


def test_a_run_of_only_redeliveries_is_empty_but_reported(read_runs: message_runs.ReadRuns) -> None:
    runs, nexts, again = _read(read_runs, [FakeMessage("a", 1, 0), FakeMessage("a", 1, 1)], nexts={A0: 0, A1: 9, B0: 0})
    assert runs == [(A1, [], 0, 1)]
    assert again == {A1: [0, 1]} and nexts[A1] == 9


def test_messages_past_a_bounded_end_are_dropped(read_runs: message_runs.ReadRuns) -> None:
    messages = [FakeMessage("a", 0, offset) for offset in range(5)]
    runs, nexts, _ = _read(read_runs, messages, ends={A0: 3})
    assert [e[1] for e in runs[0][1]] == ["0", "1", "2"]
    assert runs[0][3] == 4 and nexts[A0] == 5  # read, not delivered


def test_error_messages_go_to_the_handler_and_are_skipped(read_runs: message_runs.ReadRuns) -> None:
    seen: list[Any] = []
    failing = FakeMessage("a", 0, -1, failure="broker down")
    messages = [FakeMessage("a", 0, 0), failing, FakeMessage("a", 0, 1)]
    runs = read_runs(messages, None, SSPS, {}, {A0: 0}, IncomingMessageEnvelope, 0, {}, seen.append)
    assert seen == [failing]
    assert [[e.offset for e in run] for _, run, _, _ in runs] == [["0", "1"]]


def test_an_error_raised_by_the_handler_propagates(read_runs: message_runs.ReadRuns) -> None:
    def fail(msg: Any) -> None:
        raise RuntimeError(f"fatal: {msg.error()}")

    with pytest.raises(RuntimeError, match="fatal: gone"):
        read_runs([FakeMessage("a", 0, 0, failure="gone")], None, SSPS, {}, {A0: 0}, IncomingMessageEnvelope, 0,
                  {}, fail)


def test_a_partition_not_read_is_a_key_error(read_runs: message_runs.ReadRuns) -> None:
    with pytest.raises(KeyError):
        _read(read_runs, [FakeMessage("a", 7, 0)])


def test_payloads_of_other_types_count_their_length(read_runs: message_runs.ReadRuns) -> None:
    runs, _, _ = _read(read_runs, [FakeMessage("a", 0, 0, "text", bytearray(b"abc"))])
    assert runs[0][1][0][4] == 7 and runs[0][2] == 7


def test_an_empty_batch_reads_nothing(read_runs: message_runs.ReadRuns) -> None:
    assert _read(read_runs, []) == ([], {A0: 0, A1: 0, B0: 0}, {})


def test_the_compiled_version_keeps_no_references() -> None:
    # A leaked reference per message would show on the objects every envelope holds.
    assert message_runs._compiled_read_runs is not None
    payload, now_ms = b"p" * 64, 10**12
    messages = [FakeMessage("a", 0, i, None, payload) for i in range(100)]
    before = (sys.getrefcount(payload), sys.getrefcount(A0), sys.getrefcount(now_ms))
    for _ in range(50):
        runs = message_runs._compiled_read_runs(messages, "a", SSPS, {}, {A0: 0}, IncomingMessageEnvelope, now_ms,
                                                {}, _no_errors)
        assert len(runs[0][1]) == 100
    del runs
    gc.collect()
    assert (sys.getrefcount(payload), sys.getrefcount(A0), sys.getrefcount(now_ms)) == before


def test_client_messages_read_the_same_as_their_doubles_also_mixed_in_one_batch(
    read_runs: message_runs.ReadRuns,
) -> None:
    # The compiled version calls the client Message's C methods directly: the same answers as through Python.
    failing = Message(topic="a", partition=0, offset=-1, error=KafkaError(KafkaError._TRANSPORT))
    messages: list[Any] = [
        Message(topic="a", partition=0, offset=0, key=b"k0", value=b"hello", timestamp=(1, 1700000000000)),
        FakeMessage("a", 0, 1, None, b"xy"),
        failing,
        Message(topic="b", partition=0, offset=0, key=None, value=b"v", timestamp=(0, 0)),
        Message(topic="a", partition=0, offset=2, key=b"", value=None, timestamp=(2, 1700000000001)),
    ]
    seen: list[Any] = []
    nexts = {A0: 0, A1: 0, B0: 0}
    runs = read_runs(messages, None, SSPS, {}, nexts, IncomingMessageEnvelope, 42, {}, seen.append)
    assert [(ssp, [_describe(e) for e in run], nbytes, last) for ssp, run, nbytes, last in runs] == [
        (A0, [(A0, "0", b"k0", b"hello", 7, 1700000000000, 42), (A0, "1", None, b"xy", 2, 1700000000000, 42)], 9, 1),
        (B0, [(B0, "0", None, b"v", 1, 0, 42)], 1, 0),
        (A0, [(A0, "2", b"", None, 0, 1700000000001, 42)], 0, 2),
    ]
    assert seen == [failing] and nexts == {A0: 3, A1: 0, B0: 1}


def test_the_compiled_version_keeps_no_references_to_client_messages() -> None:
    payload = b"p" * 64
    messages = [Message(topic="a", partition=0, offset=i, value=payload, timestamp=(1, 5)) for i in range(100)]
    before = [sys.getrefcount(m) for m in messages[:3]], sys.getrefcount(payload)
    for _ in range(50):
        runs = message_runs.read_runs(messages, None, SSPS, {}, {A0: 0}, IncomingMessageEnvelope, 0, {}, _no_errors)
        assert [e.message for e in runs[0][1]] == [payload] * 100
    del runs
    gc.collect()
    assert ([sys.getrefcount(m) for m in messages[:3]], sys.getrefcount(payload)) == before


@pytest.fixture(params=["compiled", "python"])
def decode_envelopes(request: pytest.FixtureRequest) -> Any:
    from samza_py.container import consumers

    if request.param == "compiled":
        assert consumers._compiled_decode is not None and consumers.decode_envelopes is consumers._compiled_decode
        return consumers._compiled_decode
    return consumers.python_decode_envelopes


def _envelopes(*pairs: tuple[Any, Any]) -> list[IncomingMessageEnvelope]:
    return [IncomingMessageEnvelope(A0, str(i), key, message) for i, (key, message) in enumerate(pairs)]


def test_decode_deserialises_keys_and_messages_in_place(decode_envelopes: Any) -> None:
    envelopes = _envelopes((b"k1", b"1"), (None, b"2"), (b"k3", None), (None, None))
    assert decode_envelopes(envelopes, 0, bytes.decode, int) == 4
    assert [(e.key, e.message) for e in envelopes] == [("k1", 1), (None, 2), ("k3", None), (None, None)]


def test_decode_without_a_deserialiser_leaves_that_part(decode_envelopes: Any) -> None:
    envelopes = _envelopes((b"k", b"1"))
    assert decode_envelopes(envelopes, 0, None, int) == 1
    assert (envelopes[0].key, envelopes[0].message) == (b"k", 1)
    assert decode_envelopes(envelopes, 0, None, None) == 1


def test_decode_stops_at_the_first_failure_and_leaves_it_as_it_was(decode_envelopes: Any) -> None:
    envelopes = _envelopes((b"k1", b"1"), (b"k2", b"not a number"), (b"k3", b"3"))
    assert decode_envelopes(envelopes, 0, bytes.decode, int) == 1
    assert [(e.key, e.message) for e in envelopes] == [("k1", 1), (b"k2", b"not a number"), (b"k3", b"3")]
    assert decode_envelopes(envelopes, 2, bytes.decode, int) == 3  # on from after it
    assert (envelopes[2].key, envelopes[2].message) == ("k3", 3)


def test_decode_passes_what_is_not_an_exception(decode_envelopes: Any) -> None:
    def interrupted(data: bytes) -> Any:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        decode_envelopes(_envelopes((b"k", b"v")), 0, interrupted, None)
