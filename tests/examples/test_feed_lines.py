"""The generated feed lines: reproducible per seed, in the IRC format hello-samza's parser reads."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from samza_py.examples.wikipedia.feed_lines import FeedLine, feed_line
from samza_py.examples.wikipedia.parser import parse_edit

CHANNELS = ("#en.wikipedia", "#en.wiktionary", "#en.wikinews")
HOSTS = {"#en.wikipedia": "en.wikipedia.org", "#en.wiktionary": "en.wiktionary.org", "#en.wikinews": "en.wikinews.org"}
SAMPLE = 1500
DIFF_URL = re.compile(r"^http://(?P<host>[a-z.]+)/w/index\.php\?diff=(?P<diff>\d+)&oldid=(?P<old>\d+)$")
NEW_URL = re.compile(r"^http://(?P<host>[a-z.]+)/w/index\.php\?oldid=(?P<diff>\d+)&rcid=\d+$")


@pytest.fixture(scope="module")
def sample() -> dict[str, list[FeedLine]]:
    return {channel: [feed_line(1, channel, i) for i in range(SAMPLE)] for channel in CHANNELS}


def test_a_seed_gives_the_same_lines_and_another_seed_others() -> None:
    first = [feed_line(1, "#en.wikipedia", i).render() for i in range(200)]
    assert first == [feed_line(1, "#en.wikipedia", i).render() for i in range(200)]
    assert first != [feed_line(2, "#en.wikipedia", i).render() for i in range(200)]
    # Channels differ too, and a line does not depend on the lines generated before it.
    assert first != [feed_line(1, "#en.wiktionary", i).render() for i in range(200)]
    assert feed_line(1, "#en.wikipedia", 150).render() == first[150]


def test_edit_lines_parse_to_their_fields_and_log_lines_are_rejected(sample: dict[str, list[FeedLine]]) -> None:
    for lines in sample.values():
        for line in lines:
            parsed = parse_edit(line.render())
            if not line.is_edit:
                assert parsed is None, line.render()
                continue
            assert parsed is not None, line.render()
            assert (parsed["title"], parsed["user"], parsed["diff-bytes"], parsed["unparsed-flags"],
                    parsed["diff-url"], parsed["summary"]) == (
                line.title, line.user, line.diff_bytes, line.flags, line.url, line.summary)
            assert parsed["flags"] == {
                "is-minor": "M" in line.flags,
                "is-new": "N" in line.flags,
                "is-unpatrolled": "!" in line.flags,
                "is-bot-edit": "B" in line.flags,
                "is-special": line.title.startswith("Special:"),
                "is-talk": line.title.startswith("Talk:"),
            }


def test_the_mix_looks_like_the_real_feed(sample: dict[str, list[FeedLine]]) -> None:
    lines = [line for lines in sample.values() for line in lines]
    edits = [line for line in lines if line.is_edit]
    logs = [line for line in lines if not line.is_edit]
    assert 0.01 * len(lines) < len(logs) < 0.06 * len(lines)
    assert all(line.title.startswith("Special:Log/") for line in logs)
    assert all(re.fullmatch(r"!?N?M?B?", line.flags) for line in edits if line.flags != "overwrite")
    flags = Counter(line.flags for line in edits)
    for combo in ("", "M", "!", "!M", "B", "MB", "N", "!N"):
        assert flags[combo] > 0, combo
    assert not any("N" in f and "M" in f for f in flags)  # a new page is never a minor edit
    prefixes = Counter(line.title.split(":", 1)[0] for line in edits if ":" in line.title)
    assert prefixes["Talk"] > 0 and prefixes["User"] > 0 and prefixes["Special"] > 0
    sizes = [line.diff_bytes for line in edits if line.diff_bytes is not None]
    assert any(s > 0 for s in sizes) and any(s < 0 for s in sizes) and any(s == 0 for s in sizes)
    assert len({line.title for line in edits}) < len(edits)  # popular pages are edited more than once


def test_urls_point_at_the_channel_wiki_with_increasing_revisions(sample: dict[str, list[FeedLine]]) -> None:
    for channel, lines in sample.items():
        revisions = []
        for line in lines:
            if not line.is_edit or line.title.startswith("Special:"):
                continue
            match = (NEW_URL if "N" in line.flags else DIFF_URL).match(line.url)
            assert match is not None, line.url
            assert match["host"] == HOSTS[channel]
            if "N" not in line.flags:
                assert int(match["old"]) < int(match["diff"])
            revisions.append(int(match["diff"]))
        assert revisions == sorted(revisions) and len(set(revisions)) == len(revisions)


def test_rendering_keeps_the_sign_and_the_empty_fields_of_log_entries() -> None:
    edit = FeedLine("Talk:Porto", "!M", "http://en.wikipedia.org/w/index.php?diff=2&oldid=1", "1.2.3.4", -7, "")
    assert edit.render() == "[[Talk:Porto]] !M http://en.wikipedia.org/w/index.php?diff=2&oldid=1 * 1.2.3.4 * (-7) "
    assert FeedLine("Porto", "", "u", "Anna", 0, "ce").render() == "[[Porto]]  u * Anna * (+0) ce"
    log = FeedLine("Special:Log/newusers", "create", "", "Anna", None, "New user account")
    assert log.render() == "[[Special:Log/newusers]] create  * Anna *  New user account"
    assert parse_edit(log.render()) is None
