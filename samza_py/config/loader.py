"""Reading job configuration: Java ``.properties`` and YAML files, merged in order, then ``--config`` overrides."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import javaproperties
import yaml

from samza_py.config.config import Config
from samza_py.config.errors import ConfigException, ConfigFileError

# java.util.Properties ends lines at \n, \r or \r\n only (str.splitlines knows many more breaks).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def parse_properties(text: str, source: str = "<string>") -> dict[str, str]:
    """Parse ``.properties`` text as ``java.util.Properties.load`` does; later duplicates win."""
    result: dict[str, str] = {}
    lineno = 1  # where the element being parsed starts, for errors
    try:
        for element in javaproperties.parse(text):
            if isinstance(element, javaproperties.KeyValue):
                result[element.key] = element.value
            lineno += len(_LINE_BREAK.findall(element.source))
    except javaproperties.InvalidUEscapeError as exc:
        raise ConfigFileError(source, f"line {lineno}: malformed \\uxxxx escape: {exc.escape}") from None
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
