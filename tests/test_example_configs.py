"""Every job config the project ships validates: a newcomer's first run never starts with a config error."""

from __future__ import annotations

from pathlib import Path

import pytest

from samza_py.application.config_generator import with_application_config
from samza_py.config.loader import load_config
from samza_py.config.validation import validate

CONFIGS = sorted((Path(__file__).resolve().parent.parent / "config").glob("*.properties"))


def test_there_are_local_and_yarn_variants() -> None:
    names = {p.stem for p in CONFIGS}
    for job in ("wikipedia-feed", "wikipedia-parser", "wikipedia-stats", "profile-views", "ad-ctr"):
        assert job in names and f"{job}-yarn" in names, job


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_shipped_config_is_valid(path: Path) -> None:
    # As run-job validates it: with what an app.class generates under it.
    assert [str(p) for p in validate(with_application_config(load_config([str(path)])))] == []
