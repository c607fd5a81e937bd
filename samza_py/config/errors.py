"""Configuration errors, each naming the key at fault."""

from __future__ import annotations


class ConfigException(Exception):
    """A single configuration problem with the key it concerns."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


class ConfigValidationError(Exception):
    """Every problem validation found, reported together."""

    def __init__(self, problems: list[ConfigException]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration ({len(problems)} problem(s)):\n{lines}")


class ConfigFileError(Exception):
    """A config file that cannot be found, read or parsed."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
