"""The Python bindings' tests: the built module (PYTHONPATH=<build>/python)
with its pytest plugin, against the bundled demo house."""

import os
from pathlib import Path

import pytest

pytest_plugins = ["hemsrig.pytest_plugin"]

REPO = Path(os.environ.get("HEMSRIG_SOURCE_DIR", Path(__file__).resolve().parents[2]))
DEMO_HOUSE = str(REPO / "scenarios" / "worlds" / "demo-house.yaml")


@pytest.fixture
def repo() -> Path:
    return REPO
