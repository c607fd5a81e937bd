"""The line a contender prints when its first message arrives, so the parent can leave start-up out.

Shared by every contender of bench/peers.py: the samza-py and raw-loop modes of peers.py itself and the
Quix Streams and Faust apps here, which run in the peers' own virtualenv (so this is stdlib only).
"""

from __future__ import annotations

import time

PREFIX = "peers-first-message"


def first_message() -> None:
    """Print the wall clock (epoch seconds) and this process's CPU seconds so far (all threads)."""
    print(f"{PREFIX} {time.time():.6f} {time.process_time():.6f}", flush=True)


def parse(line: str) -> tuple[float, float] | None:
    """(epoch seconds, CPU seconds) from a first-message line; None for any other line.

    The marker may sit inside a log line: Faust's worker sends what the app prints to its log.
    """
    at = line.find(PREFIX)
    if at < 0:
        return None
    parts = line[at:].split()
    return float(parts[1]), float(parts[2])


def processed(count: int) -> None:
    print(f"peers-processed {count}", flush=True)
