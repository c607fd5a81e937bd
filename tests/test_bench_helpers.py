"""The benchmark scripts' own helpers: the keys they send, the ratios they report, the times they parse."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import common  # noqa: E402
import passthrough  # noqa: E402
import scaling  # noqa: E402
from report import Measurement, PeakRssWatch  # noqa: E402

from tests.polling import first_within


def test_keys_are_user_ids_of_10_to_24_characters_different_for_every_message() -> None:
    keys = [common.user_id(i) for i in range(50_000)]
    assert {len(k) for k in keys} == set(range(10, 25))
    assert len(set(keys)) == len(keys)
    assert all(k.startswith(b"user-") for k in keys)


def test_ratios_divide_rates_measured_in_the_same_run() -> None:
    def run(label: str, seconds: float) -> Measurement:
        return Measurement(label, 1000, seconds, 1.0)

    results = {m.label: m for m in (run("raw unkeyed 1p", 1.0), run("job unkeyed 1p", 2.0),
                                    run("raw keyed 1p", 1.0), run("job keyed 1p", 4.0))}
    assert passthrough.ratios_of(results, [1]) == {
        "job/raw unkeyed 1p": 0.5, "job/raw keyed 1p": 0.25, "keyed/unkeyed job 1p": 0.5,
    }


def test_rounds_count_each_contenders_median_run_and_note_every_rate() -> None:
    runs = [Measurement("job", 1000, seconds, 1.0) for seconds in (2.0, 0.5, 1.0)]
    median = common.median_run(runs)
    assert median is runs[2] and median.extra["rounds_msg_per_s"] == [500, 2000, 1000]
    # An even count takes the lower middle (the faster) run; a single run is noted as it is.
    assert common.median_run(runs[:2]) is runs[1]
    single = Measurement("job", 1000, 3.0, 1.0)
    assert common.median_run([single]) is single and "rounds_msg_per_s" not in single.extra


def test_contenders_take_turns_each_round_starting_one_further_on_and_each_ones_median_run_counts() -> None:
    order: list[tuple[str, int]] = []

    def contender(label: str, seconds: list[float]) -> tuple[str, Any]:
        def run(round_no: int) -> Measurement:
            order.append((label, round_no))
            return Measurement(label, 1000, seconds[round_no], 1.0)
        return label, run

    medians = common.take_turns(3, [contender("a", [1.0, 4.0, 2.0]), contender("b", [5.0, 1.0, 3.0])])
    assert order == [("a", 0), ("b", 0), ("b", 1), ("a", 1), ("a", 2), ("b", 2)]
    assert [(m.label, m.wall_s) for m in medians.values()] == [("a", 2.0), ("b", 3.0)]
    order.clear()
    # Three or more: each round starts one further on, so none always follows the same other one.
    common.take_turns(3, [contender(label, [1.0, 1.0, 1.0]) for label in "abc"])
    assert [label for label, _ in order] == list("abc" "bca" "cab")


def test_the_job_time_comes_from_the_childs_own_line() -> None:
    assert scaling.job_seconds(f"noise\n{scaling.JOB_SECONDS}12.500\n") == 12.5
    with pytest.raises(common.BenchmarkError):
        scaling.job_seconds("job ended UnsuccessfulFinish after 3.0 s")
    assert scaling.printed(f"{scaling.JOB_SECONDS}1.0\n{scaling.CONTAINER_PEAK}61.5\n", scaling.CONTAINER_PEAK) == 61.5


def test_machine_load_counts_the_cores_kept_busy() -> None:

    from report import machine_load

    with machine_load() as idle_or_not:
        pass
    with machine_load() as spinning:
        deadline = time.perf_counter() + 0.5
        while time.perf_counter() < deadline:
            pass
    assert spinning.cores >= 1
    # This thread alone kept one core busy (other processes may have added more, never less).
    assert spinning.busy_cores is not None and 0.8 <= spinning.busy_cores <= spinning.cores
    assert idle_or_not.busy_cores is None or 0 <= idle_or_not.busy_cores <= idle_or_not.cores
    # What the rest of the machine was busy with besides a process: its CPU seconds over the block taken away.
    assert spinning.wall_s >= 0.5
    assert spinning.others(0.0) == spinning.busy_cores
    assert spinning.others(spinning.busy_cores * spinning.wall_s) == 0.0
    assert spinning.others(0.25 * spinning.wall_s) == round(spinning.busy_cores - 0.25, 2)


def own_peak_mb(holds_mb: int) -> float:
    """A child that holds ``holds_mb`` MB and waits on its stdin: its peak as PeakRssWatch sees it, read once the
    watch has seen the child's memory in place (polled with a deadline), before the child is let go."""
    code = (f"import sys; b = bytearray({holds_mb} * 2**20); b[::4096] = bytes(len(b[::4096])); "
            "print(flush=True); sys.stdin.read()")
    child = subprocess.Popen([sys.executable, "-c", code],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    watch = PeakRssWatch(child.pid, interval_s=0.01)
    try:
        child.stdout.readline()  # the child's memory is in place
        first_within(lambda: watch.peak_mb is not None and watch.peak_mb >= holds_mb, 10)
    finally:
        child.stdin.close()
        child.wait(10)
    peak = watch.stop()
    assert peak is not None
    return peak


def test_a_childs_peak_rss_is_its_own_not_its_parents() -> None:
    # The parent holds 300 MB when it spawns; wait4's ru_maxrss would report at least that for any child.
    held = bytearray(300 * 1024 * 1024)
    held[::4096] = b"\1" * len(held[::4096])  # touch every page: resident
    small, big = own_peak_mb(0), own_peak_mb(150)
    del held
    assert small < 100
    assert 150 < big < 300
