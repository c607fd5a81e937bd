"""The .properties parser follows java.util.Properties.load."""

from __future__ import annotations

from pathlib import Path

import pytest

from samza_py.config import ConfigFileError, load_properties
from samza_py.config.loader import parse_properties


def test_separators_equals_colon_and_whitespace() -> None:
    text = "a=1\nb:2\nc 3\nd\t4\ne = 5\nf : 6\ng   =   7\nh  8 9\n"
    assert parse_properties(text) == {
        "a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6", "g": "7", "h": "8 9",
    }


def test_first_separator_splits_and_later_ones_are_value() -> None:
    assert parse_properties("url=http://host:80/a=b\nk:v=w\n") == {"url": "http://host:80/a=b", "k": "v=w"}


def test_whitespace_then_one_separator_then_whitespace() -> None:
    # After whitespace, one '=' or ':' is still a separator; a second one belongs to the value.
    assert parse_properties("a  = =x\nb :: y\n") == {"a": "=x", "b": ": y"}


def test_key_without_value_and_empty_value() -> None:
    assert parse_properties("lonely\nempty=\nspaced =   \n") == {"lonely": "", "empty": "", "spaced": ""}


def test_comments_and_blank_lines() -> None:
    text = "# comment\n! also comment\n   # indented comment\n\n   \n\t\nk=v # not a comment\n"
    assert parse_properties(text) == {"k": "v # not a comment"}


def test_leading_whitespace_stripped_trailing_kept() -> None:
    assert parse_properties("   key = value  \n") == {"key": "value  "}


def test_continuation_drops_leading_whitespace_of_next_line() -> None:
    text = "fruits = apple, \\\n         banana, \\\n    pear\nnext=1\n"
    assert parse_properties(text) == {"fruits": "apple, banana, pear", "next": "1"}


def test_continuation_line_starting_with_hash_is_not_a_comment() -> None:
    assert parse_properties("k=a\\\n  #b\n") == {"k": "a#b"}


def test_even_backslashes_do_not_continue() -> None:
    assert parse_properties("path=c:\\\\\nother=x\n") == {"path": "c:\\", "other": "x"}


def test_three_backslashes_continue_with_one_literal() -> None:
    assert parse_properties("k=a\\\\\\\n  b\n") == {"k": "a\\b"}


def test_continuation_onto_empty_line_ends_the_value() -> None:
    assert parse_properties("k=a\\\n\nj=b\n") == {"k": "a", "j": "b"}


def test_continuation_at_end_of_file() -> None:
    assert parse_properties("k=a\\") == {"k": "a"}


def test_continuation_inside_key() -> None:
    assert parse_properties("lo\\\n   ng.key=v\n") == {"long.key": "v"}


def test_comment_line_ending_in_backslash_does_not_continue() -> None:
    assert parse_properties("# note \\\nk=v\n") == {"k": "v"}


def test_escapes() -> None:
    text = "tab=a\\tb\nnl=a\\nb\ncr=a\\rb\nff=a\\fb\nother=\\q\\z\\\\\nquote=\\\"x\\\"\n"
    assert parse_properties(text) == {
        "tab": "a\tb", "nl": "a\nb", "cr": "a\rb", "ff": "a\fb", "other": "qz\\", "quote": '"x"',
    }


def test_escaped_separators_and_spaces_in_keys() -> None:
    text = "a\\=b=1\nc\\:d:2\ne\\ f 3\n\\#hash=4\n"
    assert parse_properties(text) == {"a=b": "1", "c:d": "2", "e f": "3", "#hash": "4"}


def test_escaped_leading_space_in_value_is_kept() -> None:
    assert parse_properties("k=\\  v\n") == {"k": "  v"}


def test_unicode_escapes() -> None:
    text = "greek=\\u03b1\\u03B2\nkey\\u0041=x\nemoji=\\ud83d\\ude00\n"
    assert parse_properties(text) == {"greek": "αβ", "keyA": "x", "emoji": "\U0001f600"}


def test_malformed_unicode_escape_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.properties"
    path.write_text("ok=1\nbad=\\u12G4\n")
    with pytest.raises(ConfigFileError) as info:
        load_properties(str(path))
    assert info.value.path == str(path)
    assert info.value.reason.startswith("line 2: malformed \\uxxxx escape")


def test_malformed_escape_line_counts_continuations_and_every_line_ending() -> None:
    with pytest.raises(ConfigFileError) as info:
        parse_properties("# c\r\na=1\\\n  2\r\nb=3\rbad=\\uZZZZ\n", source="job.properties")
    assert info.value.path == "job.properties"
    assert info.value.reason == "line 5: malformed \\uxxxx escape: \\uZZZZ"


def test_short_unicode_escape_is_malformed() -> None:
    with pytest.raises(ConfigFileError):
        parse_properties("k=\\u12")


def test_placeholders_stay_literal() -> None:
    text = "yarn.package.path=file://${basedir}/target/${project.artifactId}-${pom.version}-dist.tar.gz\n"
    assert parse_properties(text) == {
        "yarn.package.path": "file://${basedir}/target/${project.artifactId}-${pom.version}-dist.tar.gz"
    }


def test_line_endings_cr_crlf_lf() -> None:
    assert parse_properties("a=1\r\nb=2\rc=3\nd=4\\\r\n  5") == {"a": "1", "b": "2", "c": "3", "d": "45"}


def test_later_duplicate_wins() -> None:
    assert parse_properties("k=1\nk=2\n") == {"k": "2"}


def test_load_properties_reads_utf8_and_latin1(tmp_path: Path) -> None:
    utf8 = tmp_path / "u.properties"
    utf8.write_bytes("name=café\n".encode())
    latin1 = tmp_path / "l.properties"
    latin1.write_bytes("name=café\n".encode("latin-1"))
    assert load_properties(str(utf8)) == {"name": "café"}
    assert load_properties(str(latin1)) == {"name": "café"}


def test_missing_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.properties")
    with pytest.raises(ConfigFileError) as info:
        load_properties(missing)
    assert info.value.path == missing
    assert info.value.reason == "no such file"


def test_directory_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError) as info:
        load_properties(str(tmp_path))
    assert info.value.path == str(tmp_path)
    assert info.value.reason.startswith("cannot read")
