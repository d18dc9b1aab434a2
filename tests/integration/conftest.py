"""Fixtures of the local stack's component tests: a moto server of their own on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.local.stack import MotoServer


@pytest.fixture
def moto() -> Iterator[MotoServer]:
    """A moto server on a free loopback port, stopped after the test."""
    server = MotoServer("127.0.0.1", 0)
    server.start()
    yield server
    server.stop()
