"""The parser on the 1,000 real feed lines hello-samza replays gives hello-samza's regex fields for every line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from samza_py.examples.wikipedia.parser import parse_edit

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wikipedia-raw.json"
# hello-samza's WikipediaParserStreamTask pattern, applied here independently of the task's module.
HELLO_SAMZA = re.compile(r"\[\[(.*)\]\]\s(.*)\s(.*)\s\*\s(.*)\s\*\s\(\+?(.\d*)\)\s(.*)")


@pytest.mark.skipif(not DATA.exists(), reason="the shared Wikipedia data is not beside this checkout")
def test_every_real_line_matches_the_hello_samza_regex_fields() -> None:
    lines = [json.loads(line)["raw"] for line in DATA.read_text().splitlines() if line.strip()]
    assert len(lines) == 1000
    parsed = 0
    for raw in lines:
        match = HELLO_SAMZA.search(raw)
        edit = parse_edit(raw)
        if match is None:
            assert edit is None, raw
            continue
        title, flags, url, user, diff, summary = match.groups()
        assert edit is not None, raw
        assert (edit["title"], edit["unparsed-flags"], edit["diff-url"], edit["user"], edit["diff-bytes"],
                edit["summary"]) == (title, flags, url, user, int(diff), summary)
        assert edit["flags"] == {
            "is-minor": "M" in flags, "is-new": "N" in flags, "is-unpatrolled": "!" in flags,
            "is-bot-edit": "B" in flags, "is-special": title.startswith("Special:"),
            "is-talk": title.startswith("Talk:"),
        }
        parsed += 1
    assert parsed == 930
