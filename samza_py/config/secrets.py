"""Secrets in config: which keys hold them, a string type that never prints its value, and redaction.

A key holds a secret when its last part names a password, a JAAS config, a private key, a token or a
secret (``systems.kafka.consumer.sasl.jaas.config``, ``….ssl.key.password``, ``….sasl.password``, …).
Wherever samza-py shows config or client settings to people (logs, ``--dry-run``, the status page,
errors), such values appear as ``[redacted]``.

``Secret`` is a ``str`` whose ``str()``, ``repr()`` and formatting give ``[redacted]``: a value that
reaches an f-string, a log argument or an exception message by mistake prints nothing secret, while
librdkafka (which reads the characters themselves) gets the real value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(
    r"(?:^|[._-])(?:password|passwd|secret|token|credentials?|jaas\.config|private\.key|key\.pem|keystore\.key)$",
    re.IGNORECASE,
)


def is_secret_key(key: str) -> bool:
    return _SECRET_KEY.search(key.strip()) is not None


class Secret(str):
    """A secret string: shows ``[redacted]`` in ``str``, ``repr`` and formatting; ``reveal()`` is the value."""

    __slots__ = ()

    def __new__(cls, value: str) -> Secret:
        # str(value) of a Secret would be "[redacted]": take the characters themselves.
        return super().__new__(cls, str.__str__(value))

    def __repr__(self) -> str:
        return REDACTED

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, format_spec: str) -> str:
        return format(REDACTED, format_spec)

    def reveal(self) -> str:
        return str.__str__(self)


def redacted(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with every secret key's value replaced by ``[redacted]`` (for showing, never for using)."""
    return {key: REDACTED if is_secret_key(key) or isinstance(value, Secret) else value
            for key, value in values.items()}


def protect(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with every secret key's string value wrapped in ``Secret`` (for using: clients read the
    characters, anything that prints them shows ``[redacted]``)."""
    return {key: Secret(value) if isinstance(value, str) and is_secret_key(key) else value
            for key, value in values.items()}
