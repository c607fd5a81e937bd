"""OutgoingMessageEnvelope: Samza's constructor meanings, positional and keyword, compiled and in Python."""

from __future__ import annotations

import copy
import pickle
import sys
from typing import Any

import pytest

from samza_py.api import OutgoingMessageEnvelope, SystemStream
from samza_py.api.envelope import PythonOutgoingMessageEnvelope

S = SystemStream("kafka", "out")
# What samza_py.api gives (compiled; bin/setup makes sure of a C compiler) and the Python reference.
IMPLEMENTATIONS = [pytest.param(OutgoingMessageEnvelope, id="compiled"),
                   pytest.param(PythonOutgoingMessageEnvelope, id="python")]


def test_the_api_gives_the_compiled_envelope_under_the_same_name() -> None:
    assert OutgoingMessageEnvelope is not PythonOutgoingMessageEnvelope
    assert (OutgoingMessageEnvelope.__module__, OutgoingMessageEnvelope.__qualname__) == (
        "samza_py.api.envelope", "OutgoingMessageEnvelope")


def fields(envelope: OutgoingMessageEnvelope) -> tuple[Any, ...]:
    return (envelope.system_stream, envelope.partition_key, envelope.key, envelope.message, envelope.key_serde,
            envelope.msg_serde)


@pytest.mark.parametrize("envelope_type", IMPLEMENTATIONS)
@pytest.mark.parametrize(
    ("args", "keywords", "expected"),
    [
        ((), {}, (None, None, None, None, None)),
        ((b"m",), {}, (None, None, b"m", None, None)),
        ((None,), {}, (None, None, None, None, None)),
        ((b"k", b"m"), {}, (b"k", b"k", b"m", None, None)),
        ((None, b"m"), {}, (None, None, b"m", None, None)),
        ((7, b"k", b"m"), {}, (7, b"k", b"m", None, None)),
        ((None, b"k", b"m"), {}, (None, b"k", b"m", None, None)),
        ((), {"message": b"m"}, (None, None, b"m", None, None)),
        ((), {"key": "k", "message": 1, "msg_serde": "int"}, ("k", "k", 1, None, "int")),
        ((), {"key": "k", "message": 1, "partition_key": None}, (None, "k", 1, None, None)),
        ((), {"partition_key": 3}, (3, None, None, None, None)),
        ((b"m",), {"key": b"k", "key_serde": "s"}, (b"k", b"k", b"m", "s", None)),
        ((b"k", b"m"), {"msg_serde": "js"}, (b"k", b"k", b"m", None, "js")),
        ((b"k", b"m"), {"partition_key": 9}, (9, b"k", b"m", None, None)),
        ((3, b"k", b"m"), {"key_serde": "s"}, (3, b"k", b"m", "s", None)),
        # positional arguments win over the same keyword
        ((b"m",), {"message": b"n"}, (None, None, b"m", None, None)),
        ((3, b"k", b"m"), {"partition_key": 4, "key": b"j"}, (3, b"k", b"m", None, None)),
    ],
)
def test_constructor_forms(envelope_type: type[OutgoingMessageEnvelope], args: tuple[Any, ...],
                           keywords: dict[str, Any], expected: tuple[Any, ...]) -> None:
    assert fields(envelope_type(S, *args, **keywords)) == (S, *expected)


@pytest.mark.parametrize("envelope_type", IMPLEMENTATIONS)
def test_too_many_or_too_few_arguments_or_an_unknown_keyword_is_an_error(
        envelope_type: type[OutgoingMessageEnvelope]) -> None:
    with pytest.raises(TypeError):
        envelope_type(S, 1, 2, 3, 4)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        envelope_type()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="mesage"):
        envelope_type(S, mesage=b"m")


@pytest.mark.parametrize("envelope_type", IMPLEMENTATIONS)
def test_fields_are_writable_and_the_repr_is_samzas(envelope_type: type[OutgoingMessageEnvelope]) -> None:
    envelope = envelope_type(S, 3, "k", b"m")
    envelope.message = b"n"
    envelope.msg_serde = "js"
    assert fields(envelope) == (S, 3, "k", b"n", None, "js")
    assert repr(envelope) == f"OutgoingMessageEnvelope({S}, partition_key=3, key='k', message=b'n')"
    assert repr(envelope) == repr(PythonOutgoingMessageEnvelope(S, 3, "k", b"n"))


@pytest.mark.parametrize("envelope_type", IMPLEMENTATIONS)
def test_pickle_and_copy_keep_every_field(envelope_type: type[OutgoingMessageEnvelope]) -> None:
    envelope = envelope_type(S, 3, "k", {"a": 1}, key_serde="string", msg_serde="json")
    # pickle finds a class by its name: the Python class is the one named only where nothing was compiled
    pickled = [pickle.loads(pickle.dumps(envelope))] if envelope_type is OutgoingMessageEnvelope else []
    for other in (*pickled, copy.copy(envelope), copy.deepcopy(envelope)):
        assert type(other) is envelope_type and other is not envelope
        assert fields(other) == fields(envelope)


class Tagged(OutgoingMessageEnvelope):
    """A task's own envelope type, with an attribute of its own."""

    def __init__(self, stream: SystemStream, key: Any, message: Any, tag: str) -> None:
        super().__init__(stream, key, message)
        self.tag = tag


def test_a_subclass_keeps_the_meanings_and_its_own_attributes() -> None:
    envelope = Tagged(S, "k", b"m", tag="t")
    assert fields(envelope) == (S, "k", "k", b"m", None, None)
    assert isinstance(envelope, OutgoingMessageEnvelope)
    again = pickle.loads(pickle.dumps(envelope))
    assert type(again) is Tagged and again.tag == "t" and fields(again) == fields(envelope)


def test_the_compiled_envelope_holds_no_reference_after_it_is_gone() -> None:
    held = object()
    before = sys.getrefcount(held)
    for _ in range(1000):
        OutgoingMessageEnvelope(held, held, held, held, key_serde=held, msg_serde=held)
        Tagged(held, held, held, tag="t")
        copy.copy(OutgoingMessageEnvelope(held, held, held))
    with pytest.raises(TypeError):
        OutgoingMessageEnvelope(held, held, held, held, held)
    with pytest.raises(TypeError):
        OutgoingMessageEnvelope(held, wrong=held)
    assert sys.getrefcount(held) == before
