from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="session")
def seed() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (DATA / "seed_create_flow_run.json").read_text()
    )
    return loaded
