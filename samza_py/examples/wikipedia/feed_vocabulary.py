"""Word lists for the synthetic Wikipedia feed: titles, users and summaries per wiki.

The lists are small on purpose: titles and users repeat across a run, as popular pages and busy
editors do on the real recent-changes feed, so per-window unique-title counts stay below edit counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

GIVEN = (
    "Anna", "Ben", "Carlos", "Dmitri", "Elena", "Farah", "George", "Hiroshi", "Ingrid", "James", "Kofi",
    "Laura", "Mei", "Nikolai", "Olivia", "Pedro", "Quentin", "Rosa", "Samuel", "Tamsin", "Uma", "Victor",
    "Wen", "Ximena", "Yusuf", "Zoe",
)
SURNAMES = (
    "Abbott", "Brennan", "Castillo", "Dubois", "Eriksen", "Fischer", "Gallagher", "Haddad", "Iwasaki",
    "Jankowski", "Kowalczyk", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi",
    "Schmidt", "Tanaka", "Underwood", "Varga", "Whitfield", "Yamamoto", "Zielinski",
)
PLACES = (
    "Aberdeen", "Bergen", "Cork", "Dunedin", "Eindhoven", "Fresno", "Gdansk", "Halifax", "Ipswich",
    "Jaipur", "Kraków", "Leeds", "Mombasa", "Nagoya", "Oaxaca", "Porto", "Quebec City", "Rotterdam",
    "Salvador", "Tampere", "Uppsala", "Valparaíso", "Winnipeg", "Zagreb",
)
TOPICS = (
    "music", "film", "literature", "science", "aviation", "rail transport", "association football",
    "architecture", "television", "video games", "politics", "spaceflight",
)
THINGS = (
    "railway station", "cathedral", "airport", "F.C.", "University", "tramway", "Symphony Orchestra",
    "City Council", "Harbour", "Botanical Garden", "Grand Prix", "Film Festival",
)
PLURALS = (
    "lighthouses", "volcanoes", "bridges in Scotland", "Olympic medalists in rowing", "sovereign states",
    "largest cities", "album-equivalent units", "video game consoles", "state highways", "bird species",
)
DISAMBIGUATORS = ("footballer", "politician", "musician", "band", "album", "novel", "film", "ship")
SECTIONS = (
    "Early life", "Career", "History", "References", "External links", "Reception", "Plot", "Geography",
    "Personal life", "Discography", "Etymology", "Legacy", "Demographics", "See also",
)
ACTIONS = (
    "copyedit", "ce", "typo", "fix link", "added citation", "expand", "updated infobox", "removed unsourced claim",
    "clarify", "grammar", "wikilink", "rm dead link", "update stats", "format refs",
)
BOT_TASKS = (
    "Fixing double redirect", "dating maintenance tags", "Removing orphan tag", "archiving 2 threads",
    "Adding authority control", "Fixing [[WP:CHECKWIKI]] errors", "rescuing 1 sources and tagging 0 as dead",
)
BOT_NAMES = ("ClueBot NG", "Cydebot", "AnomieBOT", "SineBot", "Yobot", "InternetArchiveBot", "BracketBot")
WORDS = (
    "serendipity", "quay", "gossamer", "ephemeral", "lurk", "bodacious", "snark", "petrichor", "quixotic",
    "hubris", "yeet", "zephyr", "kerfuffle", "nonplussed", "apricot", "run", "set", "take the biscuit",
    "Hund", "maison", "gato", "żaba", "ciao", "Schadenfreude", "Weltanschauung", "ябълка", "sakura", "saudade",
)
LANGUAGES = ("English", "German", "French", "Spanish", "Polish", "Italian", "Bulgarian", "Japanese", "Portuguese")
NEWS_SUBJECTS = (
    "Australian parliament", "NASA", "Kenyan court", "Brazilian football club", "European Central Bank",
    "Canadian wildfire crews", "Japanese automaker", "UN Security Council", "Indian election commission",
    "Chilean miners", "Scottish government", "WHO",
)
NEWS_VERBS = ("approves", "rejects", "announces", "launches", "postpones", "wins", "investigates", "suspends")
NEWS_OBJECTS = (
    "new budget", "climate agreement", "Mars probe", "transfer ban", "interest rate cut", "evacuation order",
    "electric car recall", "peacekeeping mission", "early vote count", "rescue operation", "referendum date",
)


@dataclass(frozen=True, slots=True)
class Wiki:
    """One wiki of the feed: its kind and the namespaces its non-article edits fall in."""

    kind: str  # "wikipedia", "wiktionary" or "wikinews": picks the title and summary style
    namespaces: tuple[str, ...]
    revision_base: int  # roughly where the wiki's revision ids stood in hello-samza's day


WIKIS = {
    "wikipedia": Wiki("wikipedia", (
        "Talk:", "User:", "User talk:", "Wikipedia:", "Template:", "Category:", "File:",
    ), 690_000_000),
    "wiktionary": Wiki("wiktionary", (
        "Talk:", "User:", "User talk:", "Wiktionary:", "Appendix:", "Citations:", "Reconstruction:",
    ), 35_000_000),
    "wikinews": Wiki("wikinews", (
        "Talk:", "User:", "User talk:", "Wikinews:", "Category:", "Comments:",
    ), 4_200_000),
}


def wiki_for(channel: str) -> tuple[str, Wiki]:
    """The host and wiki of an IRC channel such as ``#en.wiktionary`` (unknown projects read as Wikipedia)."""
    name = channel.lstrip("#") or "en.wikipedia"
    project = name.split(".", 1)[1] if "." in name else name
    return f"{name}.org", WIKIS.get(project, WIKIS["wikipedia"])


def article_title(rng: Random, kind: str) -> str:
    if kind == "wiktionary":
        return rng.choice(WORDS)
    if kind == "wikinews":
        headline = f"{rng.choice(NEWS_SUBJECTS)} {rng.choice(NEWS_VERBS)} {rng.choice(NEWS_OBJECTS)}"
        return headline if rng.random() < 0.6 else f"{headline} in {rng.choice(PLACES)}"
    style = rng.randrange(6)
    if style == 0:
        person = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}"
        return person if rng.random() < 0.7 else f"{person} ({rng.choice(DISAMBIGUATORS)})"
    if style == 1:
        return rng.choice(PLACES)
    if style == 2:
        return f"List of {rng.choice(PLURALS)}"
    if style == 3:
        return f"{rng.randrange(1900, 2016)} in {rng.choice(TOPICS)}"
    return f"{rng.choice(PLACES)} {rng.choice(THINGS)}"


def registered_user(rng: Random) -> str:
    given, surname = rng.choice(GIVEN), rng.choice(SURNAMES)
    style = rng.randrange(4)
    if style == 0:
        return f"{given} {surname}"
    if style == 1:
        return f"{given}{surname}{rng.randrange(1, 100)}"
    if style == 2:
        return f"{given.lower()}_{surname.lower()}"
    return f"{surname}{rng.choice(('', 'ian', 'o', '2000'))}"


def anonymous_user(rng: Random) -> str:
    if rng.random() < 0.15:
        return f"2601:{rng.randrange(0x10000):x}:{rng.randrange(0x10000):x}::{rng.randrange(0x10000):x}"
    return f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def bot_user(rng: Random) -> str:
    return rng.choice(BOT_NAMES) if rng.random() < 0.7 else f"{rng.choice(SURNAMES)}Bot"
