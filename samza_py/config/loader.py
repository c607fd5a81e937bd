"""Reading job configuration: Java ``.properties`` and YAML files, merged in order, then ``--config`` overrides."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import yaml

from samza_py.config.config import Config
from samza_py.config.errors import ConfigException, ConfigFileError

# java.util.Properties ends lines at \n, \r or \r\n only (str.splitlines knows many more breaks).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# The whitespace java.util.Properties skips and splits on: no newline, no other Unicode space.
_WS = " \t\f"
_SIMPLE_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_HEX = frozenset("0123456789abcdefABCDEF")


class _MalformedEscape(ValueError):
    pass


def parse_properties(text: str, source: str = "<string>") -> dict[str, str]:
    """Parse ``.properties`` text as ``java.util.Properties.load`` does; later duplicates win."""
    lines = _LINE_BREAK.split(text)
    result: dict[str, str] = {}
    i = 0
    while i < len(lines):
        lineno = i + 1
        line = lines[i].lstrip(_WS)
        i += 1
        # Comments are recognised only where a logical line starts, never on a continuation line.
        if not line or line[0] in "#!":
            continue
        while _ends_with_odd_backslashes(line):
            line = line[:-1]
            if i >= len(lines):
                break
            line += lines[i].lstrip(_WS)
            i += 1
        raw_key, raw_value = _split_key_value(line)
        try:
            result[_unescape(raw_key)] = _unescape(raw_value)
        except _MalformedEscape as exc:
            raise ConfigFileError(source, f"line {lineno}: {exc}") from None
    return result


def _ends_with_odd_backslashes(line: str) -> bool:
    return (len(line) - len(line.rstrip("\\"))) % 2 == 1


def _split_key_value(line: str) -> tuple[str, str]:
    """Split at the first unescaped ``=``, ``:`` or whitespace; one ``=``/``:`` may follow whitespace."""
    escaped = False
    end = len(line)
    has_separator = False
    for pos, char in enumerate(line):
        if not escaped and char in "=:":
            end, has_separator = pos, True
            break
        if not escaped and char in _WS:
            end = pos
            break
        escaped = char == "\\" and not escaped
    start = end + 1
    while start < len(line):
        char = line[start]
        if char not in _WS:
            if has_separator or char not in "=:":
                break
            has_separator = True
        start += 1
    return line[:end], line[start:]


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    pos = 0
    length = len(text)
    while pos < length:
        char = text[pos]
        pos += 1
        if char != "\\":
            out.append(char)
            continue
        if pos >= length:
            break  # a lone trailing backslash stands for nothing
        char = text[pos]
        pos += 1
        if char == "u":
            digits = text[pos : pos + 4]
            if len(digits) < 4 or not set(digits) <= _HEX:
                raise _MalformedEscape(f"malformed \\uxxxx escape: \\u{digits}")
            out.append(chr(int(digits, 16)))
            pos += 4
        else:
            out.append(_SIMPLE_ESCAPES.get(char, char))
    result = "".join(out)
    # \uXXXX escapes are UTF-16 code units: join surrogate pairs into the character they encode.
    if any("\ud800" <= c <= "\udfff" for c in result):
        result = result.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return result


def _read_text(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigFileError(path, "no such file") from None
    except OSError as exc:
        raise ConfigFileError(path, f"cannot read: {exc.strerror or exc}") from None
    # Java reads properties as ISO-8859-1; we take UTF-8 (what Python users write) and fall back to it.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def load_properties(path: str) -> dict[str, str]:
    """The key/value pairs of a Java ``.properties`` file; ``${...}`` is not expanded."""
    return parse_properties(_read_text(path), source=path)


def load_yaml(path: str) -> dict[str, str]:
    """A YAML config flattened to Samza's dotted keys, every value a string."""
    try:
        document = yaml.safe_load(_read_text(path))
    except yaml.YAMLError as exc:
        raise ConfigFileError(path, f"invalid YAML: {exc}") from None
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise ConfigFileError(path, f"the top level must be a mapping, got {type(document).__name__}")
    flat: dict[str, str] = {}
    _flatten(path, "", document, flat)
    return flat


def _flatten(path: str, prefix: str, node: Mapping[Any, Any], out: dict[str, str]) -> None:
    for raw_key, value in node.items():
        key = prefix + _scalar_text(raw_key)
        if isinstance(value, Mapping):
            _flatten(path, key + ".", value, out)
        elif isinstance(value, list):
            if any(isinstance(item, Mapping | list) for item in value):
                raise ConfigFileError(path, f"{key}: a list may hold only scalars")
            out[key] = ",".join(_scalar_text(item) for item in value)
        else:
            out[key] = _scalar_text(value)


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _local_path(location: str) -> str:
    """A plain path, or a ``file:`` URL as Samza's ``--config-path=file://...`` takes."""
    if not location.startswith("file:"):
        return location
    url = urlparse(location)
    # file:///abs and file://localhost/abs are absolute; file://rel/x is read as the relative rel/x.
    if url.netloc in ("", "localhost"):
        return unquote(url.path)
    return unquote(url.netloc + url.path)


def parse_override(text: str) -> tuple[str, str]:
    """``key=value`` split at the first ``=``; the key is stripped, the value kept as given."""
    key, eq, value = text.partition("=")
    if not eq or not key.strip():
        raise ConfigException("--config", f"override {text!r} must be key=value")
    return key.strip(), value


def load_config(paths: Sequence[str], overrides: Sequence[str] = ()) -> Config:
    """Merge the files in order (later wins), then apply ``key=value`` overrides."""
    merged: dict[str, str] = {}
    for location in paths:
        path = _local_path(location)
        if path.lower().endswith((".yaml", ".yml")):
            merged.update(load_yaml(path))
        else:
            merged.update(load_properties(path))
    for text in overrides:
        key, value = parse_override(text)
        merged[key] = value
    return Config(merged)
