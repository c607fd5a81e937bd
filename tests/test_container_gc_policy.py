"""The container program's garbage collector settings (in a child: they are the whole process's)."""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = """
import gc, json, sys
from samza_py.container.gc_policy import tune_for_streaming
if sys.argv[1] != "default":
    gc.set_threshold(int(sys.argv[1]), 10, 10)
collections = []
gc.callbacks.append(lambda phase, info: phase == "stop" and collections.append(info["generation"]))
if sys.argv[2] == "tuned":
    tune_for_streaming()
collections.clear()
frozen = gc.get_freeze_count()
batch = [{"n": i} for i in range(5000)]  # a live poll batch's worth of tracked objects
print(json.dumps({"frozen": frozen, "threshold": gc.get_threshold(), "collections": collections}))
"""


def run_child(threshold: str = "default", tuned: str = "tuned") -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", CHILD, threshold, tuned], capture_output=True, text=True, timeout=60,
                          check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_start_up_objects_are_frozen_and_a_live_batch_sets_off_no_collection() -> None:
    seen = run_child()
    assert seen["frozen"] > 1000  # type: ignore[operator]
    assert seen["threshold"] == [10_000, 10, 10]
    assert seen["collections"] == []


def test_without_it_the_same_batch_sets_off_young_collections() -> None:
    assert len(run_child(tuned="untuned")["collections"]) >= 5  # type: ignore[arg-type]


def test_a_higher_threshold_already_set_is_kept() -> None:
    assert run_child("50000")["threshold"] == [50_000, 10, 10]
