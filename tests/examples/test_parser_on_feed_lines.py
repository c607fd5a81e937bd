"""The parser on the 1,000 feed lines the tests replay gives hello-samza's regex fields for every line.

The lines are hello-samza's real ones when that data set is beside this checkout, else the project's own
generated ones (tests/wikipedia_data.py); the assertions are the same for both.
"""

from __future__ import annotations

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import (
    EVENT_COUNT,
    generated_events,
    hello_samza_fields,
    parsable_count,
    real_data_present,
    wikipedia_events,
)


def test_every_line_matches_the_hello_samza_regex_fields() -> None:
    events = wikipedia_events()
    assert len(events) == EVENT_COUNT
    parsed = 0
    for event in events:
        raw = event["raw"]
        fields = hello_samza_fields(raw)
        edit = parse_edit(raw)
        if fields is None:
            assert edit is None, raw
            continue
        title, flags, url, user, diff, summary = fields
        assert edit is not None, raw
        assert (edit["title"], edit["unparsed-flags"], edit["diff-url"], edit["user"], edit["diff-bytes"],
                edit["summary"]) == (title, flags, url, user, diff, summary)
        assert edit["flags"] == {
            "is-minor": "M" in flags, "is-new": "N" in flags, "is-unpatrolled": "!" in flags,
            "is-bot-edit": "B" in flags, "is-special": title.startswith("Special:"),
            "is-talk": title.startswith("Talk:"),
        }
        parsed += 1
    assert parsed == parsable_count(events)
    # Both kinds of line are exercised: edits and lines the parser must reject (log entries).
    assert 0 < EVENT_COUNT - parsed < parsed
    if real_data_present():
        assert parsed == 930  # hello-samza's data set: 70 of its lines are not edits


def test_generated_events_have_the_real_feeds_shape() -> None:
    events = generated_events(EVENT_COUNT)
    assert [set(e) for e in events[:1]] == [{"time", "channel", "source", "raw"}]
    assert {e["channel"] for e in events} == {"#en.wikipedia", "#en.wiktionary"}
    assert all(e["source"] == "rc-pmtpa" for e in events)
    times = [e["time"] for e in events]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert generated_events(EVENT_COUNT) == events  # seeded: every run replays the same lines
    # hello-samza's pattern finds edits in most generated lines, as in the real feed (93 %).
    assert 0.85 * EVENT_COUNT < parsable_count(events) < EVENT_COUNT
