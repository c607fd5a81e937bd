"""Synthetic recent-changes lines in the IRC format of irc.wikimedia.org, which hello-samza's feed read.

An edit reads ``[[Title]] FLAGS URL * user * (+N) summary``; a log entry leaves the URL and size empty
(``[[Special:Log/newusers]] create  * user *  New user account``), which hello-samza's parser rejects.
Flags are MediaWiki's, in its order: ``!`` unpatrolled, ``N`` new page, ``M`` minor, ``B`` bot.

Line ``i`` of a channel depends only on ``(seed, channel, i)``: any line can be rebuilt without the
ones before it, so a consumer resuming at offset ``i`` jumps there and replays exactly what it missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from samza_py.examples.wikipedia.feed_vocabulary import (
    ACTIONS,
    BOT_TASKS,
    LANGUAGES,
    PLACES,
    SECTIONS,
    Wiki,
    anonymous_user,
    article_title,
    bot_user,
    registered_user,
    wiki_for,
)

LOG_SHARE = 0.03  # log entries (new accounts, deletions, moves ...): not edits
SPECIAL_SHARE = 0.01  # file re-uploads: edit-shaped lines on a Special: title
LOG_ENTRIES = (
    ("newusers", "create"), ("patrol", "patrol"), ("delete", "delete"), ("move", "move"), ("block", "block"),
    ("upload", "upload"), ("protect", "protect"), ("thanks", "thank"),
)


@dataclass(frozen=True, slots=True)
class FeedLine:
    """The fields of one line; ``diff_bytes`` is None for a log entry (no URL, no size)."""

    title: str
    flags: str
    url: str
    user: str
    diff_bytes: int | None
    summary: str

    @property
    def is_edit(self) -> bool:
        return self.diff_bytes is not None

    def render(self) -> str:
        if self.diff_bytes is None:
            size = ""
        else:
            size = f"(+{self.diff_bytes})" if self.diff_bytes >= 0 else f"({self.diff_bytes})"
        return f"[[{self.title}]] {self.flags} {self.url} * {self.user} * {size} {self.summary}"


def feed_line(seed: int, channel: str, index: int) -> FeedLine:
    """Line ``index`` (0-based) of ``channel`` for ``seed``."""
    # A string seed is hashed with SHA-512 by random: stable across processes and PYTHONHASHSEED.
    rng = Random(f"{seed}/{channel}/{index}")
    host, wiki = wiki_for(channel)
    roll = rng.random()
    if roll < LOG_SHARE:
        return _log_entry(rng, wiki)
    if roll < LOG_SHARE + SPECIAL_SHARE:
        return _reupload(rng, host)
    return _edit(rng, host, wiki, index)


def _edit(rng: Random, host: str, wiki: Wiki, index: int) -> FeedLine:
    who = rng.random()
    kind = "bot" if who < 0.08 else "anon" if who < 0.28 else "user"
    user = bot_user(rng) if kind == "bot" else anonymous_user(rng) if kind == "anon" else registered_user(rng)
    title = _title(rng, wiki, user, kind)
    # Anonymous users cannot create pages on the English wikis; new pages are never minor.
    new = kind != "anon" and rng.random() < (0.06 if kind == "user" else 0.02)
    minor = not new and rng.random() < {"bot": 0.45, "user": 0.25, "anon": 0.04}[kind]
    # Bots are autopatrolled; most anonymous edits and new pages wait for a patroller.
    unpatrol_chance = {"bot": 0.0, "user": 0.7 if new else 0.08, "anon": 0.75}[kind]
    unpatrolled = unpatrol_chance > 0 and rng.random() < unpatrol_chance
    flags = "".join(mark for mark, on in (("!", unpatrolled), ("N", new), ("M", minor), ("B", kind == "bot")) if on)
    revision = wiki.revision_base + index * 3 + rng.randrange(3)  # increasing along the channel
    if new:
        url = f"http://{host}/w/index.php?oldid={revision}&rcid={revision + wiki.revision_base // 9}"
        diff_bytes, summary = _new_page(rng, wiki, title)
    else:
        previous = max(1, revision - 1 - int(rng.lognormvariate(9.0, 2.5)))
        url = f"http://{host}/w/index.php?diff={revision}&oldid={previous}"
        diff_bytes, summary = _change(rng, wiki, title, kind, minor)
    return FeedLine(title, flags, url, user, diff_bytes, summary)


def _title(rng: Random, wiki: Wiki, user: str, kind: str) -> str:
    roll = rng.random()
    if roll < 0.72:
        return article_title(rng, wiki.kind)
    if roll < 0.84:
        return "Talk:" + article_title(rng, wiki.kind)
    if roll < 0.92:
        owner = user if kind == "user" and rng.random() < 0.5 else registered_user(rng)
        return f"{rng.choice(('User:', 'User talk:'))}{owner}"
    return rng.choice(wiki.namespaces[3:]) + article_title(rng, wiki.kind)


def _new_page(rng: Random, wiki: Wiki, title: str) -> tuple[int, str]:
    if wiki.kind == "wiktionary":
        return int(rng.lognormvariate(6.0, 0.6)), f'Created page with "=={rng.choice(LANGUAGES)}== ===Noun==="'
    if wiki.kind == "wikinews":
        return int(rng.lognormvariate(7.5, 0.5)), "Created page with '{{develop}} {{date|" + title[:20] + "}}'"
    if rng.random() < 0.2:
        return rng.randrange(25, 60), f"[[WP:AES|←]]Redirected page to [[{article_title(rng, wiki.kind)}]]"
    size = int(rng.lognormvariate(7.0, 1.1))
    return size, f"[[WP:AES|←]]Created page with '{title[:40]}'"


def _change(rng: Random, wiki: Wiki, title: str, kind: str, minor: bool) -> tuple[int, str]:
    if kind != "anon" and rng.random() < 0.07:
        vandal = anonymous_user(rng)
        summary = (f"Reverted edits by [[Special:Contributions/{vandal}|{vandal}]] "
                   f"([[User talk:{vandal}|talk]]) to last version by {registered_user(rng)}")
        return -int(rng.lognormvariate(5.0, 1.5)), summary
    if kind == "bot" or minor:
        magnitude = int(rng.lognormvariate(2.2, 1.0))
    elif rng.random() < 0.08:
        magnitude = 0
    else:
        magnitude = min(100_000, int(rng.lognormvariate(3.5, 1.6)))
    diff_bytes = magnitude if rng.random() < 0.65 else -magnitude
    return diff_bytes, _summary(rng, wiki, title, kind)


def _summary(rng: Random, wiki: Wiki, title: str, kind: str) -> str:
    if kind == "bot":
        return f"Bot: {rng.choice(BOT_TASKS)}"
    if title.startswith(("Talk:", "User talk:")):
        return f"/* {rng.choice(SECTIONS)} */ {rng.choice(('reply', 'new section', 'comment', ''))}".rstrip()
    if wiki.kind == "wiktionary":
        return rng.choice((f"+{rng.choice(LANGUAGES)} translation", f"/* {rng.choice(LANGUAGES)} */", "+cat", "rfv",
                           "+quote", ""))
    if wiki.kind == "wikinews":
        return rng.choice(("copyedit", "{{develop}}", "sources", "Publish", "+cat", "update", ""))
    style = rng.randrange(4)
    if style == 0:
        return ""
    if style == 1:
        return f"/* {rng.choice(SECTIONS)} */"
    if style == 2:
        return f"/* {rng.choice(SECTIONS)} */ {rng.choice(ACTIONS)}"
    return rng.choice(ACTIONS)


def _reupload(rng: Random, host: str) -> FeedLine:
    # A file re-upload carries a size change on a Special: title, so the parser's is-special flag fires.
    name = f"{rng.choice(PLACES)} {rng.randrange(1900, 2016)}.jpg"
    user = registered_user(rng)
    diff_bytes = rng.randrange(-200, 400)
    url = f"http://{host}/wiki/File:{name.replace(' ', '_')}"
    return FeedLine("Special:Log/upload", "overwrite", url, user, diff_bytes,
                    f'uploaded a new version of "[[File:{name}]]"')


def _log_entry(rng: Random, wiki: Wiki) -> FeedLine:
    log, action = rng.choice(LOG_ENTRIES)
    user = registered_user(rng)
    target = article_title(rng, wiki.kind)
    summaries = {
        "newusers": "New user account",
        "patrol": f"marked revision {wiki.revision_base + rng.randrange(10**6)} of [[{target}]] patrolled",
        "delete": f'deleted "[[{target}]]": [[WP:CSD#A7|A7]]: No credible indication of importance',
        "move": f"moved [[{target}]] to [[{target} ({rng.choice(('band', 'film', 'album'))})]]: disambiguation",
        "block": f"blocked [[User:{anonymous_user(rng)}]] with an expiration time of 31 hours: vandalism",
        "upload": f'uploaded "[[File:{rng.choice(PLACES)} {rng.randrange(1900, 2016)}.jpg]]"',
        "protect": f'protected "[[{target}]]": Persistent vandalism',
        "thanks": f"thanked {registered_user(rng)}",
    }
    return FeedLine(f"Special:Log/{log}", action, "", user, None, summaries[log])
