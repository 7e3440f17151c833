"""The web tests' city (``tests/webworld.py``), built per test on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shoutu.settings import Settings
from webworld import World, build_world


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> Iterator[World]:
    made = build_world(settings, tmp_path)
    try:
        yield made
    finally:
        for client in made.clients:
            client.__exit__(None, None, None)
        made.ctx.close()
