"""TaskInstanceCollector: output serialised with the stream's serdes, per-envelope overrides, errors."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from samza_py.api import Counter, OutgoingMessageEnvelope, SystemStream
from samza_py.api.envelope import PythonOutgoingMessageEnvelope
from samza_py.config.config import Config
from samza_py.container import collector as collector_module
from samza_py.container.collector import TaskInstanceCollector, UnknownOutputSystemError
from samza_py.serializers.manager import SerdeManager
from samza_py.serializers.registry import UnknownSerdeError
from samza_py.serializers.serde import SerdeException
from tests.fakes import EventLog, FakeSystemProducer

CONFIG = {
    "serializers.registry.js.class": "org.apache.samza.serializers.JsonSerdeFactory",
    "serializers.registry.text.class": "org.apache.samza.serializers.StringSerdeFactory",
    "serializers.registry.int.class": "org.apache.samza.serializers.IntegerSerdeFactory",
    "systems.out.samza.key.serde": "text",
    "systems.out.samza.msg.serde": "js",
    "systems.out.streams.counts.samza.msg.serde": "int",
}
EVENTS = SystemStream("out", "events")
COUNTS = SystemStream("out", "counts")
PLAIN = SystemStream("plain", "raw")


@pytest.fixture(autouse=True, params=["compiled", "python"])
def emitter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with the compiled envelope, send and emitter (as installed) and with the Python class,
    method and closures (an install without a C compiler): both must serialise, refuse, count and send alike."""
    if request.param == "compiled":
        # bin/setup makes sure of a C compiler
        assert collector_module.CompiledEmitter is not None and collector_module.CompiledEnvelopeSend is not None
        assert OutgoingMessageEnvelope is not PythonOutgoingMessageEnvelope
    else:
        monkeypatch.setattr(collector_module, "CompiledEmitter", None)
        monkeypatch.setattr(collector_module, "CompiledEnvelopeSend", None)
        monkeypatch.setattr(sys.modules[__name__], "OutgoingMessageEnvelope", PythonOutgoingMessageEnvelope)


def collector(log: EventLog) -> tuple[TaskInstanceCollector, Counter]:
    sends = Counter("send-calls")
    producers = {"out": FakeSystemProducer("out", log), "plain": FakeSystemProducer("plain", log)}
    return TaskInstanceCollector(producers, SerdeManager(Config(CONFIG)), "Partition 0", sends), sends  # type: ignore[arg-type]


def test_key_and_message_use_the_streams_serdes() -> None:
    log = EventLog()
    coll, sends = collector(log)
    coll.send(OutgoingMessageEnvelope(EVENTS, "ké", {"n": [1, 2], "s": "é"}))
    coll.send(OutgoingMessageEnvelope(COUNTS, "x", 258))
    assert log.events == [
        # The partition key stays the object: the producer partitions by it, not by the key bytes.
        ("send", "out", "Partition 0", "events", "ké", "k\u00e9".encode(), '{"n":[1,2],"s":"é"}'.encode()),
        ("send", "out", "Partition 0", "counts", "x", b"x", b"\x00\x00\x01\x02"),
    ]
    assert sends.count == 2


def test_explicit_partition_key_is_passed_unchanged() -> None:
    log = EventLog()
    coll, _ = collector(log)
    coll.send(OutgoingMessageEnvelope(EVENTS, 17, "k", [1]))
    coll.send(OutgoingMessageEnvelope(EVENTS, [1]))
    assert log.events == [
        ("send", "out", "Partition 0", "events", 17, b"k", b"[1]"),
        ("send", "out", "Partition 0", "events", None, None, b"[1]"),
    ]


def test_envelope_serdes_override_the_streams() -> None:
    log = EventLog()
    coll, _ = collector(log)
    coll.send(OutgoingMessageEnvelope(EVENTS, key=7, message="plain text", key_serde="int", msg_serde="text"))
    coll.send(OutgoingMessageEnvelope(COUNTS, key="k", message={"a": 1}, msg_serde="js"))
    assert log.events == [
        ("send", "out", "Partition 0", "events", 7, b"\x00\x00\x00\x07", b"plain text"),
        ("send", "out", "Partition 0", "counts", "k", b"k", b'{"a":1}'),
    ]


def test_envelope_serde_works_on_a_stream_without_serdes() -> None:
    log = EventLog()
    coll, _ = collector(log)
    coll.send(OutgoingMessageEnvelope(PLAIN, key="k", message=[1, 2], key_serde="text", msg_serde="js"))
    assert log.events == [("send", "plain", "Partition 0", "raw", "k", b"k", b"[1,2]")]


def test_without_serdes_bytes_and_none_pass_unchanged() -> None:
    log = EventLog()
    coll, sends = collector(log)
    coll.send(OutgoingMessageEnvelope(PLAIN, b"\x00k", b"\xffv"))
    coll.send(OutgoingMessageEnvelope(PLAIN, b"k", None))
    assert log.events == [
        ("send", "plain", "Partition 0", "raw", b"\x00k", b"\x00k", b"\xffv"),
        ("send", "plain", "Partition 0", "raw", b"k", b"k", None),
    ]
    assert sends.count == 2


def test_null_key_and_message_skip_the_serdes() -> None:
    log = EventLog()
    coll, _ = collector(log)
    coll.send(OutgoingMessageEnvelope(COUNTS, None, None))
    assert log.events == [("send", "out", "Partition 0", "counts", None, None, None)]


@pytest.mark.parametrize(
    ("key", "message", "what", "setting"),
    [
        (None, {"a": 1}, "the message is a dict", "systems.plain.samza.msg.serde"),
        (None, 42, "the message is a int", "systems.plain.samza.msg.serde"),
        (5, b"v", "the key is a int", "systems.plain.samza.key.serde"),
        (("t",), b"v", "the key is a tuple", "systems.plain.samza.key.serde"),
    ],
)
def test_a_non_bytes_value_without_serde_names_the_key_to_set(key: Any, message: Any, what: str, setting: str
                                                                 ) -> None:
    log = EventLog()
    coll, sends = collector(log)
    with pytest.raises(TypeError) as info:
        coll.send(OutgoingMessageEnvelope(PLAIN, key, message))
    text = str(info.value)
    assert "output to plain.raw" in text
    assert what in text
    assert f"({setting})" in text
    assert log.events == []
    assert sends.count == 0


def test_unknown_output_system() -> None:
    log = EventLog()
    coll, sends = collector(log)
    with pytest.raises(UnknownOutputSystemError) as info:
        coll.send(OutgoingMessageEnvelope(SystemStream("nope", "x"), b"v"))
    assert str(info.value) == "output to nope.x: system 'nope' is not configured (systems.nope.samza.factory)"
    assert sends.count == 0


def test_unknown_envelope_serde_name() -> None:
    coll, _ = collector(EventLog())
    with pytest.raises(UnknownSerdeError, match="missing"):
        coll.send(OutgoingMessageEnvelope(EVENTS, "k", {}, msg_serde="missing"))


def test_a_value_the_serde_cannot_encode_raises_serde_exception() -> None:
    log = EventLog()
    coll, _ = collector(log)
    with pytest.raises(SerdeException):
        coll.send(OutgoingMessageEnvelope(COUNTS, "k", "not an int"))
    assert log.events == []


SEND_TO_CASES = [
    (EVENTS, "ké", {"n": [1, 2]}),  # the stream's key and message serdes
    (COUNTS, "x", 258),  # a per-stream message serde
    (EVENTS, None, {"a": 1}),  # no key: the producer partitions
    (COUNTS, "k", None),  # a null message stays null
    (PLAIN, b"\x00k", b"\xffv"),  # no serdes: bytes pass unchanged
    (PLAIN, "text-key", "text"),  # no serdes: text goes as it is (the producer sends it as UTF-8)
]


@pytest.mark.parametrize(("stream", "key", "message"), SEND_TO_CASES)
def test_send_to_sends_what_send_of_the_same_envelope_sends(stream: SystemStream, key: Any, message: Any) -> None:
    via_send, via_send_to = EventLog(), EventLog()
    coll, sends = collector(via_send)
    coll.send(OutgoingMessageEnvelope(stream, key, message))
    coll_to, sends_to = collector(via_send_to)
    coll_to.send_to(stream, key, message)
    assert via_send_to.events == via_send.events
    assert sends_to.count == sends.count == 1


@pytest.mark.parametrize(
    ("key", "message", "what"),
    [(None, {"a": 1}, "the message is a dict"), (5, b"v", "the key is a int")],
)
def test_send_to_refuses_what_send_refuses(key: Any, message: Any, what: str) -> None:
    log = EventLog()
    coll, sends = collector(log)
    with pytest.raises(TypeError, match=what):
        coll.send_to(PLAIN, key, message)
    with pytest.raises(UnknownOutputSystemError):
        coll.send_to(SystemStream("nope", "x"), None, b"v")
    assert log.events == [] and sends.count == 0


def test_send_to_of_a_collector_with_only_send_builds_the_envelope() -> None:
    from tests.examples.support import ListCollector

    coll = ListCollector()
    coll.send_to(EVENTS, "k", {"v": 1})
    [envelope] = coll.sent
    assert (envelope.system_stream, envelope.partition_key, envelope.key, envelope.message) == (
        EVENTS, "k", "k", {"v": 1})


@pytest.mark.parametrize("key", [7, b"bytes", "\ud800 lone surrogate"])
def test_a_key_the_string_serde_cannot_encode_raises_serde_exception(key: object) -> None:
    # The string serde's C-level encoder fails first; the error is still the serde's own.
    log = EventLog()
    coll, sends = collector(log)
    with pytest.raises(SerdeException):
        coll.send(OutgoingMessageEnvelope(EVENTS, key, {"n": 1}))
    with pytest.raises(SerdeException):
        coll.send_to(EVENTS, key, {"n": 1})
    assert log.events == []
    assert sends.count == 0


class MarkedEnvelope(OutgoingMessageEnvelope):
    """A task's own envelope type: the compiled send hands it to the general path."""

    def __init__(self, stream: SystemStream, key: Any, message: Any) -> None:
        super().__init__(stream, key, message)
        self.mark = "mine"


def test_other_envelope_types_overrides_and_new_streams_all_arrive_alike() -> None:
    log = EventLog()
    coll, sends = collector(log)
    coll.send(MarkedEnvelope(EVENTS, "a", [1]))  # first send to the stream: routed by the general path
    coll.send(PythonOutgoingMessageEnvelope(EVENTS, "b", [2]))
    coll.send(OutgoingMessageEnvelope(EVENTS, "c", [3]))  # routed now: the compiled send's direct way
    coll.send(OutgoingMessageEnvelope(EVENTS, "d", 4, msg_serde="int"))
    coll.send(OutgoingMessageEnvelope(EVENTS, "e", [5], key_serde="", msg_serde=""))  # empty names: the stream's
    assert log.events == [
        ("send", "out", "Partition 0", "events", "a", b"a", b"[1]"),
        ("send", "out", "Partition 0", "events", "b", b"b", b"[2]"),
        ("send", "out", "Partition 0", "events", "c", b"c", b"[3]"),
        ("send", "out", "Partition 0", "events", "d", b"d", b"\x00\x00\x00\x04"),
        ("send", "out", "Partition 0", "events", "e", b"e", b"[5]"),
    ]
    assert sends.count == 5


def test_a_failing_send_raises_through_the_collector() -> None:
    log = EventLog()
    coll, sends = collector(log)
    coll.send(OutgoingMessageEnvelope(EVENTS, "k", [1]))
    with pytest.raises(SerdeException):
        coll.send(OutgoingMessageEnvelope(COUNTS, "k", "not an int"))
    with pytest.raises(UnknownOutputSystemError):
        coll.send(OutgoingMessageEnvelope(SystemStream("nowhere", "x"), b"k", b"m"))
    assert len(log.events) == 1 and sends.count == 1
