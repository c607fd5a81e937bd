"""bench/peers.py gives every contender samza-py's Kafka client settings, mapped for each framework."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def peers(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))  # the scripts import their neighbours as top-level modules
    import peers as module

    return module


def test_contenders_share_samza_settings_without_the_ids_and_offset_keys_each_framework_sets(peers) -> None:
    config = peers.samza_config("broker:9092", "in", {"fetch.queue.backoff.ms": "100",
                                                      "max.partition.fetch.bytes": "2097152"})
    consumer, producer = peers.shared_settings(config)
    assert consumer["fetch.queue.backoff.ms"] == "100"
    assert consumer["max.partition.fetch.bytes"] == "2097152"
    assert not {"bootstrap.servers", "group.id", "client.id", "error_cb", "auto.offset.reset",
                "enable.auto.commit"} & consumer.keys()
    assert producer["linger.ms"] == 10 and producer["enable.idempotence"] is True
    assert not {"bootstrap.servers", "client.id", "error_cb"} & producer.keys()


def test_quix_gets_librdkafka_default_where_samza_keeps_it_not_its_own(peers) -> None:
    assert peers.quix_settings({})["fetch.queue.backoff.ms"] == 1000  # Quix's own default would be 100
    assert peers.quix_settings({"fetch.queue.backoff.ms": "50"})["fetch.queue.backoff.ms"] == "50"


def test_faust_gets_what_aiokafka_has_and_the_rest_is_listed(peers) -> None:
    mapped, left_out = peers.faust_settings({"max.partition.fetch.bytes": "2097152", "fetch.queue.backoff.ms": "100"},
                                            {"linger.ms": 10, "enable.idempotence": True})
    assert mapped == {"consumer_max_fetch_size": 2097152, "producer_linger": 0.01}
    assert left_out == ["enable.idempotence", "fetch.queue.backoff.ms"]


def test_first_message_marker_is_found_inside_a_log_line(peers, capsys: pytest.CaptureFixture[str]) -> None:
    peers.marker.first_message()
    line = capsys.readouterr().out
    wall, cpu = peers.marker.parse(f"[2026-01-01 00:00:00,000] [7] [INFO] {line}")
    assert abs(wall - time.time()) < 60 and 0 < cpu <= time.process_time()
    assert peers.marker.parse("peers-processed 5") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_cpu_seconds_of_a_process_from_proc(peers) -> None:
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    assert peers.cpu_seconds(os.getpid()) == pytest.approx(time.process_time(), abs=0.1)
