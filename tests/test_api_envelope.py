"""OutgoingMessageEnvelope: Samza's constructor meanings, positional and keyword."""

from __future__ import annotations

from typing import Any

import pytest

from samza_py.api import OutgoingMessageEnvelope, SystemStream

S = SystemStream("kafka", "out")


def fields(envelope: OutgoingMessageEnvelope) -> tuple[Any, ...]:
    return (envelope.system_stream, envelope.partition_key, envelope.key, envelope.message, envelope.key_serde,
            envelope.msg_serde)


@pytest.mark.parametrize(
    ("envelope", "expected"),
    [
        (OutgoingMessageEnvelope(S), (S, None, None, None, None, None)),
        (OutgoingMessageEnvelope(S, b"m"), (S, None, None, b"m", None, None)),
        (OutgoingMessageEnvelope(S, None), (S, None, None, None, None, None)),
        (OutgoingMessageEnvelope(S, b"k", b"m"), (S, b"k", b"k", b"m", None, None)),
        (OutgoingMessageEnvelope(S, None, b"m"), (S, None, None, b"m", None, None)),
        (OutgoingMessageEnvelope(S, 7, b"k", b"m"), (S, 7, b"k", b"m", None, None)),
        (OutgoingMessageEnvelope(S, None, b"k", b"m"), (S, None, b"k", b"m", None, None)),
        (OutgoingMessageEnvelope(S, message=b"m"), (S, None, None, b"m", None, None)),
        (OutgoingMessageEnvelope(S, key="k", message=1, msg_serde="int"), (S, "k", "k", 1, None, "int")),
        (OutgoingMessageEnvelope(S, key="k", message=1, partition_key=None), (S, None, "k", 1, None, None)),
        (OutgoingMessageEnvelope(S, b"m", key=b"k", key_serde="s"), (S, b"k", b"k", b"m", "s", None)),
        (OutgoingMessageEnvelope(S, b"k", b"m", msg_serde="js"), (S, b"k", b"k", b"m", None, "js")),
        (OutgoingMessageEnvelope(S, 3, b"k", b"m", key_serde="s"), (S, 3, b"k", b"m", "s", None)),
    ],
)
def test_constructor_forms(envelope: OutgoingMessageEnvelope, expected: tuple[Any, ...]) -> None:
    assert fields(envelope) == expected


def test_too_many_arguments_or_an_unknown_keyword_is_an_error() -> None:
    with pytest.raises(TypeError):
        OutgoingMessageEnvelope(S, 1, 2, 3, 4)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="mesage"):
        OutgoingMessageEnvelope(S, mesage=b"m")
