"""SystemStream / SystemStreamPartition: value semantics, Samza's text, hashing in C (named tuples)."""

from __future__ import annotations

import pickle

import pytest

from samza_py.api import Partition, SystemStream, SystemStreamPartition


def test_equal_values_are_equal_and_hash_alike() -> None:
    a = SystemStreamPartition.of("kafka", "t", 3)
    b = SystemStreamPartition("kafka", "t", Partition(3))
    assert a == b and hash(a) == hash(b) and a is not b
    assert {a: 1}[b] == 1
    assert a != SystemStreamPartition.of("kafka", "t", 4)
    assert SystemStream("kafka", "t") == a.system_stream
    assert SystemStream("kafka", "t") != a


def test_hashing_and_equality_are_the_tuples_own() -> None:
    # No Python-level __hash__/__eq__: lookups keyed by streams stay in C.
    for cls in (Partition, SystemStream, SystemStreamPartition):
        assert cls.__hash__ is tuple.__hash__
        assert cls.__eq__ is tuple.__eq__


def test_order_is_system_then_stream_then_partition_number() -> None:
    ssps = [SystemStreamPartition.of("k", "b", 10), SystemStreamPartition.of("k", "b", 2),
            SystemStreamPartition.of("k", "a", 5), SystemStreamPartition.of("j", "z", 0)]
    assert [(s.system, s.stream, s.partition_id) for s in sorted(ssps)] == [
        ("j", "z", 0), ("k", "a", 5), ("k", "b", 2), ("k", "b", 10)]
    assert sorted([SystemStream("k", "b"), SystemStream("a", "z")])[0] == SystemStream("a", "z")


def test_immutable_and_picklable() -> None:
    ssp = SystemStreamPartition.of("kafka", "t", 1)
    with pytest.raises(AttributeError):
        ssp.stream = "other"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(ssp)) == ssp
    assert pickle.loads(pickle.dumps(SystemStream("kafka", "t"))) == SystemStream("kafka", "t")


def test_samzas_text() -> None:
    assert str(SystemStreamPartition.of("kafka", "t", 1)) == "SystemStreamPartition [kafka, t, 1]"
    assert str(SystemStream("kafka", "t")) == "SystemStream [system=kafka, stream=t]"
    assert str(Partition(4)) == "Partition [partition=4]"
    assert SystemStream.parse("kafka.a.b") == SystemStream("kafka", "a.b")
