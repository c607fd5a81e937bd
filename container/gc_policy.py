"""The garbage collector's settings for a process that runs containers and nothing else.

A running container keeps a poll batch of client messages (1000 by default) and a run of envelopes
alive at any moment. With CPython's default young-generation threshold (700 allocations) nearly every
batch sets off a young collection that walks the live batch and promotes it, and the promoted batches
set off full collections that walk every object of every module. Measured on a pass-through container
(2M messages): about 4,000 collections, 30 of them full, 0.7 s of its 9.5 s. Start-up objects (modules,
config, the job model) live as long as the process, so they are frozen out of collections; and the
young threshold is set well above a batch, so a collection runs when objects really accumulate rather
than on every batch (none ran in the same measurement). Reference counting still frees everything that
is not in a cycle at once, so memory stays as it was.

The programs that run containers in a process of their own apply it: the container program
(ProcessJobFactory, YARN), run-job for a ThreadJobFactory job, and run-app's processor. A container
built by other code (a test, a benchmark, an embedding program) leaves that program's collector alone.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)

YOUNG_THRESHOLD = 10_000  # allocations between young collections; CPython's default is 700


def tune_for_streaming() -> None:
    """Collect what start-up left, freeze the survivors, and raise the young threshold (never lower it)."""
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
    log.info("gc: %d start-up objects frozen; a young collection every %d allocations", gc.get_freeze_count(),
             gc.get_threshold()[0])
