"""read_runs: a consumed batch of Kafka messages made into IncomingMessageEnvelopes, in runs per partition.

This is the consumer's per-message work, so it is compiled (samza_py/_message_runs.c, built by setup.py);
``python_read_runs`` is the reference the compiled one must equal, and its stand-in where it was not built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

from confluent_kafka import Message

from samza_py.api import IncomingMessageEnvelope, SystemStreamPartition

try:
    from samza_py._message_runs import read_runs as _compiled_read_runs
except ImportError:  # pragma: no cover - an install without a C compiler
    _compiled_read_runs = None  # type: ignore[assignment]

# (ssp, envelopes, bytes of their keys and values, the last offset read) for each run of messages of one
# partition, in the order read; a run may hold no envelope (all of it read before, or past its end).
Run = tuple[SystemStreamPartition, list[IncomingMessageEnvelope], int, int]
ReadRuns = Callable[
    [
        Sequence[Message],
        str | None,
        Mapping[tuple[str, int], SystemStreamPartition],
        Mapping[SystemStreamPartition, int],
        MutableMapping[SystemStreamPartition, int],
        type[IncomingMessageEnvelope],
        int,
        dict[SystemStreamPartition, list[int]],
        Callable[[Message], None],
    ],
    list[Run],
]


def python_read_runs(
    messages: Sequence[Message],
    only_topic: str | None,
    ssps: Mapping[tuple[str, int], SystemStreamPartition],
    ends: Mapping[SystemStreamPartition, int],
    nexts: MutableMapping[SystemStreamPartition, int],
    envelope_class: type[IncomingMessageEnvelope],
    now_ms: int,
    again: dict[SystemStreamPartition, list[int]],
    on_error: Callable[[Message], None],
) -> list[Run]:
    """The envelopes of ``messages``, in runs per partition.

    - A message with an error goes to ``on_error`` and is skipped.
    - ``only_topic``: the one topic of every message (then the topic is not read per message).
    - ``nexts[ssp]``: the next offset ``ssp`` may deliver. A message below it was delivered before
      (librdkafka can hand a batch out again after a pause and resume): its offset goes to
      ``again[ssp]`` and it is dropped. ``nexts`` is moved past what is read.
    - ``ends[ssp]``: a bounded partition's end; messages at or past it are dropped.
    - Envelopes are made without calling ``__init__`` (the call's frame cost more than the rest);
      their offset is kept as an int until read.
    """
    runs: list[Run] = []
    new: Any = object.__new__
    run: list[IncomingMessageEnvelope] = []
    append = run.append
    last_topic: str | None = None
    last_partition = -1
    ssp: SystemStreamPartition | None = None
    end: int | None = None
    run_bytes = 0
    offset = expected = -1
    for msg in messages:
        if msg.error() is not None:
            on_error(msg)
            continue
        partition = msg.partition()
        topic = only_topic if only_topic is not None else msg.topic()
        if partition != last_partition or topic != last_topic or ssp is None:
            if ssp is not None:
                nexts[ssp] = expected
                runs.append((ssp, run, run_bytes, offset))
            ssp = ssps[(topic, partition)]  # type: ignore[index]
            run, run_bytes = [], 0
            append = run.append
            end = ends.get(ssp)
            expected = nexts[ssp]
            last_topic, last_partition = topic, partition  # type: ignore[assignment]
        offset = msg.offset()  # type: ignore[assignment]
        if offset < expected:
            again.setdefault(ssp, []).append(offset)
            continue
        expected = offset + 1
        if end is not None and offset >= end:
            continue
        key, value = msg.key(), msg.value()
        ts_type, ts = msg.timestamp()
        size = (len(key) if key else 0) + (len(value) if value else 0)
        run_bytes += size
        envelope = new(envelope_class)
        envelope.system_stream_partition = ssp
        envelope._offset = offset
        envelope.key = key
        envelope.message = value
        envelope.size = size
        envelope.event_time = ts if ts_type else 0
        envelope.arrival_time = now_ms
        append(envelope)
    if ssp is not None:
        nexts[ssp] = expected
        runs.append((ssp, run, run_bytes, offset))
    return runs


COMPILED = _compiled_read_runs is not None
read_runs: ReadRuns = _compiled_read_runs if _compiled_read_runs is not None else python_read_runs
