"""Async tasks on the grid: an asyncio task calling a local HTTP service with 50 ms latency."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import count_messages, create_topic, produce_round_robin, read_topic, run_job_command, wait_for

LATENCY_S = 0.05


class LookupServer:
    """An HTTP service answering every GET after ``LATENCY_S``, on an asyncio loop of its own thread (a
    thread per request would cost the machine more than the job under test)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.requests = 0
        started = threading.Event()
        self.port = 0

        async def serve() -> None:
            server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=512)
            self.port = server.sockets[0].getsockname()[1]
            started.set()
            async with server:
                await server.serve_forever()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self._task = self.loop.create_task(serve())
            with contextlib.suppress(asyncio.CancelledError):
                self.loop.run_until_complete(self._task)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(10), "the lookup service did not start"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            item = head.split(b" ", 2)[1].rsplit(b"=", 1)[-1]
            await asyncio.sleep(LATENCY_S)
            body = b"answer-" + item
            writer.write(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # a killed container's lookups: expected
        finally:
            writer.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self._task.cancel)
        self.thread.join(10)


@pytest.fixture
def lookup_port() -> Iterator[int]:
    server = LookupServer()
    try:
        yield server.port
    finally:
        server.stop()


def write_config(path: Path, settings: dict[str, str]) -> Path:
    base = {
        "job.factory.class": "samza_py.job.local.ProcessJobFactory",
        "job.container.count": "1",
        "job.default.system": "kafka",
        "task.checkpoint.factory": "samza_py.checkpoint.kafka.manager.KafkaCheckpointManagerFactory",
        "task.commit.ms": "300",
        "serializers.registry.json.class": "samza_py.serializers.builtin.JsonSerdeFactory",
        "systems.kafka.samza.factory": "samza_py.system.kafka.factory.KafkaSystemFactory",
        "systems.kafka.samza.msg.serde": "json",
        "systems.kafka.samza.offset.default": "oldest",
        "systems.kafka.producer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.consumer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.default.stream.replication.factor": "1",
    }
    base.update(settings)
    path.write_text("".join(f"{k}={v}\n" for k, v in base.items()))
    return path


def lookup_config(tmp_path: Path, name: str, unique: str, port: int, concurrency: int) -> Path:
    return write_config(tmp_path / f"{name}.properties", {
        "job.name": f"{name}-{unique}",
        "task.class": "integration.async_tasks.HttpLookupTask",
        "task.inputs": f"kafka.{unique}-{name}-in",
        "task.max.concurrency": str(concurrency),
        "task.callback.timeout.ms": "20000",
        "lookup.port": str(port),
        "lookup.output": f"kafka.{unique}-{name}-out",
        f"systems.kafka.streams.{unique}-{name}-in.samza.bounded": "true",
    })


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def run(config: Path, cwd: Path, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(run_job_command(config), cwd=cwd, capture_output=True, text=True, timeout=timeout_s,
                          env=env())


def prepare(unique: str, name: str, partitions: int, count: int) -> None:
    create_topic(f"{unique}-{name}-in", partitions)
    create_topic(f"{unique}-{name}-out", 1)
    produce_round_robin(f"{unique}-{name}-in", partitions, (json.dumps({"id": j}).encode() for j in range(count)))


def outputs(unique: str, name: str) -> list[dict[str, object]]:
    return [json.loads(m.value()) for m in read_topic(f"{unique}-{name}-out")]


def rate(results: list[dict[str, object]]) -> float:
    """Completions per second, from the first completion to the last (job start-up left out)."""
    times = sorted(float(r["done_at"]) for r in results)  # type: ignore[arg-type]
    return (len(times) - 1) / (times[-1] - times[0])


def test_concurrency_64_is_at_least_20_times_concurrency_1_with_every_output_and_order_kept_at_1(
    unique: str, tmp_path: Path, lookup_port: int
) -> None:
    prepare(unique, "c1", 1, 60)
    prepare(unique, "c64", 1, 3000)
    one = run(lookup_config(tmp_path, "c1", unique, lookup_port, 1), tmp_path)
    assert one.returncode == 0, one.stderr[-3000:]
    many = run(lookup_config(tmp_path, "c64", unique, lookup_port, 64), tmp_path)
    assert many.returncode == 0, many.stderr[-3000:]

    serial, concurrent = outputs(unique, "c1"), outputs(unique, "c64")
    # Complete (a clean run: each exactly once) and answered by the service.
    assert sorted(r["id"] for r in serial) == list(range(60))  # type: ignore[type-var]
    assert sorted(r["id"] for r in concurrent) == list(range(3000))  # type: ignore[type-var]
    assert all(r["answer"] == f"answer-{r['id']}" for r in serial + concurrent)
    # With one in flight, the partition's order is kept.
    assert [r["offset"] for r in serial] == list(range(60))
    ratio = rate(concurrent) / rate(serial)
    print(f"throughput: concurrency 1 {rate(serial):.1f}/s, 64 {rate(concurrent):.1f}/s, ratio {ratio:.1f}")
    assert rate(serial) < 1 / LATENCY_S * 1.05  # one at a time cannot beat the latency
    assert ratio >= 20, f"concurrency 64 is only {ratio:.1f} times concurrency 1"


def test_a_callback_never_called_fails_the_job_naming_the_offset_after_the_timeout(
    unique: str, tmp_path: Path
) -> None:
    prepare(unique, "stuck", 1, 20)
    config = write_config(tmp_path / "stuck.properties", {
        "job.name": f"stuck-{unique}",
        "task.class": "integration.async_tasks.NeverCompletesTask",
        "task.inputs": f"kafka.{unique}-stuck-in",
        "task.callback.timeout.ms": "1500",
        "stuck.offset": "7",
    })
    started = time.monotonic()
    result = run(config, tmp_path, timeout_s=120)
    assert result.returncode != 0
    assert (f"the callback of offset 7 of SystemStreamPartition [kafka, {unique}-stuck-in, 0] was not called "
            "within task.callback.timeout.ms=1500") in result.stderr, result.stderr[-3000:]
    assert time.monotonic() - started < 60


def test_kill_9_with_messages_in_flight_loses_nothing(unique: str, tmp_path: Path, lookup_port: int) -> None:
    total = 6000
    prepare(unique, "kill", 2, total)
    config = lookup_config(tmp_path, "kill", unique, lookup_port, 64)
    with (tmp_path / "first.log").open("wb") as log:
        first = subprocess.Popen(run_job_command(config), cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                                 env=env())
    try:
        wait_for(lambda: count_messages(f"{unique}-kill-out") >= 800, 120, "the first lookups")
        pids = json.loads((tmp_path / "run" / f"kill-{unique}-1" / "pids.json").read_text())
        os.kill(pids["containers"]["0"], signal.SIGKILL)  # 64 lookups in flight at this moment
        assert first.wait(120) != 0
    finally:
        if first.poll() is None:
            first.kill()
    before_restart = count_messages(f"{unique}-kill-out")
    assert before_restart < total, "the kill came after the job was done"
    second = run(config, tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert {r["id"] for r in outputs(unique, "kill")} == set(range(total))
