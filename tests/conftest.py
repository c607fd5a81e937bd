"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from tests.fakes import FakeSystemFactory, FakeWorld


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> FakeWorld:
    """A fresh FakeWorld behind every config-named ``tests.fakes.FakeSystemFactory`` for this test."""
    fresh = FakeWorld()
    monkeypatch.setattr(FakeSystemFactory, "world", fresh)
    return fresh
