"""The Wikipedia feed events tests replay, and hello-samza's parser pattern to check them against.

hello-samza replays 1,000 real lines of Wikipedia's old IRC feed; when that data set lies beside this
checkout (``../shared/data/wikipedia-raw.json``) the tests use it. A plain clone has no such file, so
the tests then replay 1,000 events of the project's own seeded feed generator, in the same JSON shape
(``time``, ``channel``, ``source``, ``raw``), and assert the same properties on them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from samza_py.examples.wikipedia.feed import feed_event
from samza_py.examples.wikipedia.feed_lines import feed_line

REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wikipedia-raw.json"
EVENT_COUNT = 1000
# hello-samza's WikipediaParserStreamTask pattern: the oracle for which lines are edits, and their fields.
HELLO_SAMZA = re.compile(r"\[\[(.*)\]\]\s(.*)\s(.*)\s\*\s(.*)\s\*\s\(\+?(.\d*)\)\s(.*)")
# The real set's first event, 2014-05-01; generated events are spaced like the real feed (~3 a second).
_START_MS = 1398926301271
_SPACING_MS = 330


def real_data_present() -> bool:
    return REAL_DATA.exists()


def wikipedia_events() -> list[dict[str, Any]]:
    """1,000 feed events: the real ones when present, else generated ones (fresh dicts on every call)."""
    if real_data_present():
        with REAL_DATA.open() as f:
            return [json.loads(line) for line in f if line.strip()]
    return generated_events(EVENT_COUNT)


def generated_events(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """``count`` events of the seeded feed: mostly #en.wikipedia, one in forty #en.wiktionary, as in the real set."""
    next_index = {"#en.wikipedia": 0, "#en.wiktionary": 0}
    events = []
    for i in range(count):
        channel = "#en.wiktionary" if i % 40 == 39 else "#en.wikipedia"
        line = feed_line(seed, channel, next_index[channel]).render()
        next_index[channel] += 1
        events.append(feed_event(channel, line, _START_MS + i * _SPACING_MS))
    return events


def hello_samza_fields(raw: str) -> tuple[str, str, str, str, int, str] | None:
    """(title, flags, diff url, user, diff bytes, summary) as hello-samza's pattern reads ``raw``; None if no edit."""
    match = HELLO_SAMZA.search(raw)
    if match is None:
        return None
    title, flags, url, user, diff, summary = match.groups()
    return title, flags, url, user, int(diff), summary


def parsable_count(events: list[dict[str, Any]]) -> int:
    """How many events hello-samza's parser turns into an edit (930 of the 1,000 real ones)."""
    return sum(1 for e in events if HELLO_SAMZA.search(e["raw"]) is not None)
