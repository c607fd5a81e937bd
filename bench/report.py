"""What every benchmark reports: measured runs, their ratios, a JSON record and a bar chart.

A benchmark measures each contender as a ``Measurement`` (messages, wall seconds, CPU seconds, peak RSS),
states the ratios it exists for, and calls ``publish``: it prints a table, writes
``bench/results/<name>.json`` and, when matplotlib is installed (the ``bench`` extra), draws
``bench/results/<name>.png``. Runs in this process are measured with ``measure_in_process``; a child
process's CPU and peak RSS come from ``measure_child``.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Measurement:
    """One contender's run over ``messages`` messages."""

    label: str
    messages: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def msg_per_s(self) -> float:
        return self.messages / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def cpu_s_per_million(self) -> float:
        return self.cpu_s / self.messages * 1_000_000 if self.messages else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "msg_per_s": round(self.msg_per_s, 1),
                "cpu_s_per_million": round(self.cpu_s_per_million, 3)}


class Stopwatch:
    """Wall and CPU time of this process (every thread, librdkafka's too) over a ``with`` block."""

    wall_s = 0.0
    cpu_s = 0.0

    def measurement(self, label: str, messages: int, **extra: Any) -> Measurement:
        return Measurement(label, messages, self.wall_s, self.cpu_s, peak_rss_mb(), dict(extra))


@contextmanager
def measure_in_process() -> Iterator[Stopwatch]:
    watch = Stopwatch()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield watch
    finally:
        watch.wall_s = time.perf_counter() - wall
        watch.cpu_s = time.process_time() - cpu


class MachineLoad:
    """How many of the machine's cores were busy over a ``with`` block (every process's work, the
    broker's too); None where ``/proc/stat`` is not there."""

    busy_cores: float | None = None
    cores = os.cpu_count() or 1
    wall_s = 0.0  # the block's length

    def others(self, cpu_s: float) -> float | None:
        """Cores kept busy by everything but a process that used ``cpu_s`` over the block (the broker's work)."""
        if self.busy_cores is None or self.wall_s <= 0:
            return None
        return round(max(0.0, self.busy_cores - cpu_s / self.wall_s), 2)


def _cpu_jiffies() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat's first line."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


@contextmanager
def machine_load() -> Iterator[MachineLoad]:
    load = MachineLoad()
    before, started = _cpu_jiffies(), time.perf_counter()
    try:
        yield load
    finally:
        after, wall = _cpu_jiffies(), time.perf_counter() - started
        load.wall_s = wall
        if before is not None and after is not None and wall > 0:
            busy, total = after[0] - before[0], after[1] - before[1]
            load.busy_cores = round(load.cores * busy / total, 2) if total else None


def peak_rss_mb() -> float:
    """This process's peak resident set so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PeakRssWatch:
    """A child's own peak resident set, read from its ``VmHWM`` while it runs.

    Not the ``ru_maxrss`` that ``wait4`` reports: Linux carries the high-water mark of the address space a
    process had before ``execve`` into it, and Python starts children with ``vfork``, so a child's
    ``ru_maxrss`` is at least its parent's peak at the time of the spawn (measured: a ``python -c pass``
    started by a 400 MB parent reports 415 MB). ``VmHWM`` belongs to the new address space. Sampled every
    ``interval_s``; a high-water mark only grows, so only growth in the last interval can be missed.
    """

    def __init__(self, pid: int, interval_s: float = 0.05) -> None:
        self._status = Path(f"/proc/{pid}/status")
        self._interval_s = interval_s
        self._peak_kib: int | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, name=f"peak-rss-{pid}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            text = self._status.read_text()
        except OSError:
            return  # exited (a zombie has no address space) or not ours to read
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                kib = int(line.split()[1])
                self._peak_kib = max(self._peak_kib or 0, kib)
                return

    def _sample(self) -> None:
        while not self._done.is_set():
            self._read()
            self._done.wait(self._interval_s)

    @property
    def peak_mb(self) -> float | None:
        """The peak seen so far, in MB (None until a first read)."""
        return self._peak_kib / 1024 if self._peak_kib is not None else None

    def stop(self) -> float | None:
        """The peak seen, in MB (None when it could never be read); call it once the child has ended."""
        self._done.set()
        self._thread.join(5)
        return self.peak_mb


def measure_child(label: str, messages: int, argv: Sequence[str], *, timeout_s: float = 1800,
                  env: Mapping[str, str] | None = None,
                  wall_from: Callable[[str], float] | None = None) -> Measurement:
    """Run ``argv`` to completion; its CPU comes from the kernel's accounting of that child, its peak RSS
    from a ``PeakRssWatch``.

    ``wall_from`` reads the measured seconds from the child's stdout (so start-up, e.g. a JVM's, can be
    left out); without it the child's whole wall time counts.
    """
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, env=dict(env) if env is not None else None)
        peak = PeakRssWatch(proc.pid)
        killer = threading.Timer(timeout_s, proc.kill)
        killer.start()
        try:
            # wait4 gives this one child's own rusage (RUSAGE_CHILDREN would mix every child so far).
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
            peak_mb = peak.stop()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{label}: {' '.join(argv)} exited with {proc.returncode} (a kill after "
                           f"{timeout_s:.0f} s shows as -9):\n{text[-2000:]}")
    return Measurement(label, messages, wall_from(text) if wall_from else wall,
                       usage.ru_utime + usage.ru_stime, peak_mb, {"stdout_tail": text[-500:]})


def publish(name: str, measurements: Sequence[Measurement], ratios: Mapping[str, float],
            params: Mapping[str, Any] | None = None, results_dir: Path = RESULTS_DIR) -> Path:
    """Print, record as JSON and chart one benchmark run; returns the JSON's path."""
    width = max((len(label) for label in [*(m.label for m in measurements), *ratios]), default=10)
    for m in measurements:
        rss = f"{m.peak_rss_mb:7.0f} MB RSS" if m.peak_rss_mb is not None else ""
        print(f"{m.label:<{width}} : {m.msg_per_s:12,.0f} msg/s  {m.cpu_s_per_million:7.2f} CPU s/M msgs  {rss}")
    for label, ratio in ratios.items():
        print(f"{label:<{width}} : {ratio:.2f}")
    results_dir.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine()},
        "params": dict(params or {}),
        "measurements": [m.as_dict() for m in measurements],
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
    }
    path = results_dir / f"{name}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    chart = draw_chart(record, results_dir / f"{name}.png")
    print(f"results: {path}" + (f", chart: {chart}" if chart else " (install the bench extra for a chart)"))
    return path


def draw_chart(record: Mapping[str, Any], path: Path) -> Path | None:
    """Bars of msg/s per contender, CPU s per million messages beside them; None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    rows = record["measurements"]
    labels = [r["label"] for r in rows]
    # Stacked, so that a benchmark of many contenders stays readable at the README's width.
    fig, (rate_ax, cpu_ax) = plt.subplots(2, 1, figsize=(min(14, max(7, 0.8 * len(rows) + 2)), 7.5))
    rate_ax.bar(labels, [r["msg_per_s"] / 1000 for r in rows], color="tab:blue")
    rate_ax.set_ylabel("thousand msg/s (higher is better)")
    cpu_ax.bar(labels, [r["cpu_s_per_million"] for r in rows], color="tab:orange")
    cpu_ax.set_ylabel("CPU s per million msgs (lower is better)")
    for ax in (rate_ax, cpu_ax):
        ax.tick_params(axis="x", labelrotation=30)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
    ratios = [f"{k} {v:.2f}" for k, v in record["ratios"].items()]
    # Three ratios a line: a long title would otherwise run off the figure.
    lines = [", ".join(ratios[i:i + 3]) for i in range(0, len(ratios), 3)]
    fig.suptitle("\n".join([record["benchmark"], *lines]), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


if __name__ == "__main__":
    # Redraw every chart from its JSON (e.g. after installing matplotlib).
    for json_path in sorted(RESULTS_DIR.glob("*.json")):
        print(draw_chart(json.loads(json_path.read_text()), json_path.with_suffix(".png")) or
              "matplotlib is not installed (pip install -e '.[bench]')", file=sys.stderr)
