"""SystemConsumers: deserialisation with the stream's serdes, bad input, round-robin handout, flow control."""

from __future__ import annotations

import pytest

from samza_py.api import END_OF_STREAM_OFFSET, SystemStreamPartition
from samza_py.container import consumers as consumers_module
from samza_py.container.consumers import GROUP, DeserializationError, SystemConsumers
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.serde import SerdeException
from tests.fakes import EventLog, FakeSystemConsumer, eos, make_consumers, raw

A = SystemStreamPartition.of("fake", "a", 0)
B = SystemStreamPartition.of("fake", "b", 0)
INTS = SystemStreamPartition.of("fake", "ints", 0)

SERDE_CONFIG = {
    "serializers.registry.js.class": "org.apache.samza.serializers.JsonSerdeFactory",
    "serializers.registry.text.class": "org.apache.samza.serializers.StringSerdeFactory",
    "serializers.registry.int.class": "org.apache.samza.serializers.IntegerSerdeFactory",
    "systems.fake.samza.factory": "tests.fakes.FakeSystemFactory",
    "systems.fake.samza.key.serde": "text",
    "systems.fake.samza.msg.serde": "js",
    "systems.fake.streams.ints.samza.msg.serde": "int",
}



@pytest.fixture(autouse=True, params=["compiled", "python"])
def decoding(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with the compiled deserialising loop (as installed) and with the Python one."""
    if request.param == "compiled":
        assert consumers_module._compiled_decode is not None  # bin/setup makes sure of a C compiler
    else:
        monkeypatch.setattr(consumers_module, "decode_envelopes", consumers_module.python_decode_envelopes)


def build(
    consumer: FakeSystemConsumer, ssps: list[SystemStreamPartition], **kwargs: object
) -> tuple[SystemConsumers, MetricsRegistryMap]:
    registry = MetricsRegistryMap("container")
    consumers = make_consumers({"fake": consumer}, config=SERDE_CONFIG, registry=registry, **kwargs)  # type: ignore[arg-type]
    for ssp in ssps:
        consumers.register(ssp, "0")
    consumers.start()
    return consumers, registry


def drain(consumers: SystemConsumers, n: int) -> list[tuple[SystemStreamPartition, str]]:
    out = []
    for _ in range(n):
        envelope = consumers.choose(0.0)
        assert envelope is not None
        out.append((envelope.system_stream_partition, envelope.offset))
    return out


def test_register_passes_the_starting_offset_and_start_starts_the_consumer() -> None:
    consumer = FakeSystemConsumer()
    consumers = make_consumers({"fake": consumer})
    consumers.register(A, "17")
    consumers.register(B, "0")
    assert consumer.registered == {A: "17", B: "0"}
    assert not consumer.started
    consumers.start()
    assert consumer.started
    consumers.stop()
    assert consumer.stopped


def test_register_for_a_system_without_consumer_is_an_error() -> None:
    consumers = make_consumers({"fake": FakeSystemConsumer()})
    with pytest.raises(KeyError, match="other"):
        consumers.register(SystemStreamPartition.of("other", "a", 0), "0")


def test_messages_are_deserialised_with_the_streams_serdes() -> None:
    consumer = FakeSystemConsumer()
    consumers, _ = build(consumer, [A, INTS])
    consumer.add(
        raw(A, 5, b'{"user":"ann","n":[1,2]}', key=b"k\xc3\xa9"),
        raw(INTS, 9, b"\x00\x00\x01\x02", key=b"seven"),
        raw(A, 6, None, key=b"tomb"),
    )
    first = consumers.choose(0.0)
    assert first is not None
    assert (first.system_stream_partition, first.offset) == (A, "5")
    assert first.key == "ké"
    assert first.message == {"user": "ann", "n": [1, 2]}
    assert first.size == len(b"k\xc3\xa9") + len(b'{"user":"ann","n":[1,2]}')
    second = consumers.choose(0.0)
    assert second is not None
    # The per-stream msg serde wins over the system's; the key serde comes from the system.
    assert (second.system_stream_partition, second.offset, second.key, second.message) == (INTS, "9", "seven", 258)
    third = consumers.choose(0.0)
    assert third is not None
    # A null message (tombstone) is never handed to the serde.
    assert (third.offset, third.key, third.message) == ("6", "tomb", None)
    assert consumers.choose(0.0) is None


def test_without_serdes_raw_bytes_pass_unchanged() -> None:
    consumer = FakeSystemConsumer()
    consumers = make_consumers({"fake": consumer})
    consumers.register(A, "0")
    consumers.start()
    consumer.add(raw(A, 0, b"\xff\x00not-json", key=b"\x01"))
    envelope = consumers.choose(0.0)
    assert envelope is not None
    assert (envelope.key, envelope.message) == (b"\x01", b"\xff\x00not-json")


def test_end_of_stream_is_not_deserialised() -> None:
    consumer = FakeSystemConsumer()
    consumers, _ = build(consumer, [A])
    consumer.add(raw(A, 0, b"1"), eos(A))
    assert consumers.choose(0.0).message == 1  # type: ignore[union-attr]
    end = consumers.choose(0.0)
    assert end is not None
    assert end.is_end_of_stream()
    assert (end.offset, end.key, end.message) == (END_OF_STREAM_OFFSET, None, None)


def test_undecodable_message_raises_naming_ssp_and_offset() -> None:
    consumer = FakeSystemConsumer()
    consumers, registry = build(consumer, [A])
    consumer.add(raw(A, 41, b'{"ok":true}'), raw(A, 42, b"{not json"))
    with pytest.raises(DeserializationError) as info:
        consumers.choose(0.0)
    error = info.value
    assert error.ssp == A
    assert error.offset == "42"
    assert "offset 42" in str(error)
    assert "SystemStreamPartition [fake, a, 0]" in str(error)
    assert isinstance(error.__cause__, SerdeException)
    assert registry.groups[GROUP]["deserialization-errors-dropped"].count == 0  # type: ignore[union-attr]


def test_undecodable_key_raises_too() -> None:
    consumer = FakeSystemConsumer()
    consumers, _ = build(consumer, [A])
    consumer.add(raw(A, 3, b"{}", key=b"\xff\xfe"))
    with pytest.raises(DeserializationError) as info:
        consumers.choose(0.0)
    assert (info.value.ssp, info.value.offset) == (A, "3")
    # The string serde's C-level decoder fails first; the cause reported is still the serde's own error.
    assert isinstance(info.value.__cause__, SerdeException)


def test_drop_deserialization_errors_skips_and_counts() -> None:
    consumer = FakeSystemConsumer()
    consumers, registry = build(consumer, [A, INTS], drop_deserialization_errors=True)
    consumer.add(
        raw(A, 0, b"[1]"),
        raw(A, 1, b"{broken"),
        raw(INTS, 0, b"\x00\x01"),  # 2 bytes: not an int
        raw(A, 2, b"[3]"),
        raw(INTS, 1, b"\x00\x00\x00\x07"),
    )
    got = []
    while (envelope := consumers.choose(0.0)) is not None:
        got.append((envelope.system_stream_partition, envelope.offset, envelope.message))
    assert got == [(A, "0", [1]), (INTS, "1", 7), (A, "2", [3])]
    assert consumers.dropped.count == 2
    assert registry.groups[GROUP]["deserialization-errors-dropped"].count == 2  # type: ignore[union-attr]
    assert consumers.chose_object.count == 3


def test_round_robin_across_ssps_keeps_offset_order_within_each() -> None:
    consumer = FakeSystemConsumer()
    consumers, _ = build(consumer, [A, B])
    consumer.add(*(raw(A, i, b"0") for i in range(3)), *(raw(B, i, b"0") for i in range(10, 12)))
    assert drain(consumers, 5) == [(A, "0"), (B, "10"), (A, "1"), (B, "11"), (A, "2")]
    assert consumers.choose(0.0) is None
    assert consumers.chose_object.count == 5
    assert consumers.chose_null.count == 1


def test_batch_size_hands_out_n_in_a_row_from_one_ssp() -> None:
    consumer = FakeSystemConsumer()
    consumers, _ = build(consumer, [A, B], batch_size=2)
    consumer.add(*(raw(A, i, b"0") for i in range(3)), *(raw(B, i, b"0") for i in range(3)))
    assert drain(consumers, 6) == [(A, "0"), (A, "1"), (B, "0"), (B, "1"), (A, "2"), (B, "2")]


def test_an_ssp_that_runs_empty_rejoins_when_new_messages_arrive() -> None:
    consumer = FakeSystemConsumer()
    consumers, _ = build(consumer, [A, B])
    consumer.add(raw(A, 0, b"0"), raw(B, 0, b"0"), raw(B, 1, b"0"))
    assert drain(consumers, 3) == [(A, "0"), (B, "0"), (B, "1")]
    assert consumers.choose(0.0) is None
    consumer.add(raw(A, 1, b"0"), raw(B, 2, b"0"))
    assert drain(consumers, 2) == [(A, "1"), (B, "2")]
    assert consumers.choose(0.0) is None


def test_unprocessed_gauge_counts_buffered_messages_after_a_poll() -> None:
    consumer = FakeSystemConsumer()
    consumers, _ = build(consumer, [A, B])
    consumer.add(raw(A, 0, b"0"), raw(A, 1, b"0"), raw(B, 0, b"0"))
    consumers.choose(0.0)
    assert consumers.unprocessed.value == 3


def test_pause_at_the_per_ssp_share_of_the_fetch_threshold_and_resume_at_half() -> None:
    log = EventLog()
    consumer = FakeSystemConsumer(max_batch=5, log=log)
    # fetch.threshold 8 shared by two SSPs: 4 buffered messages pause a partition, 2 resume it.
    consumers, _ = build(consumer, [A, B], fetch_threshold=8)
    consumer.add(*(raw(A, i, b"0") for i in range(6)))

    def chose(n: int) -> None:
        for _ in range(n):
            envelope = consumers.choose(0.0)
            assert envelope is not None
            log.append("chose", envelope.offset)

    chose(1)
    # The poll brought 0-4: the 4th buffered message paused A, so 5 stays in the consumer.
    assert consumer.paused == {A}
    assert consumer.pending() == 1
    chose(5)
    assert consumers.choose(0.0) is None
    assert log.events == [
        ("pause", A),
        ("chose", "0"),
        ("chose", "1"),
        ("resume", A),  # 2 left (3, 4) after handing out 2
        ("chose", "2"),
        ("chose", "3"),
        ("chose", "4"),
        ("chose", "5"),
    ]
    assert consumer.paused == set()

    # Everything drained; a new burst pauses and resumes A again.
    log.clear()
    consumer.add(*(raw(A, i, b"0") for i in range(6, 11)))
    chose(5)
    assert log.events == [
        ("pause", A),
        ("chose", "6"),
        ("chose", "7"),
        ("resume", A),
        ("chose", "8"),
        ("chose", "9"),
        ("chose", "10"),
    ]


def test_a_single_ssp_gets_the_whole_fetch_threshold() -> None:
    log = EventLog()
    consumer = FakeSystemConsumer(log=log)
    consumers, _ = build(consumer, [A], fetch_threshold=8)
    consumer.add(*(raw(A, i, b"0") for i in range(7)))
    assert [offset for _, offset in drain(consumers, 7)] == [str(i) for i in range(7)]
    assert log.events == []


def test_blocking_poll_only_when_nothing_is_buffered() -> None:
    consumer = FakeSystemConsumer()
    consumers, _ = build(consumer, [A], poll_interval_ms=60_000)
    consumer.add(raw(A, 0, b"0"), raw(A, 1, b"0"))
    assert consumers.choose(0.0) is not None
    polls = consumer.polls
    # Something is buffered and the poll interval has not passed: no poll at all.
    assert consumers.choose(5.0) is not None
    assert consumer.polls == polls
