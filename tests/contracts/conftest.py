from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver.contracts import ContractSet, load_contract_set

VERSIONS = ["3.9.1", "2.14.16"]
DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="session", params=VERSIONS)
def contract_set(request: pytest.FixtureRequest) -> ContractSet:
    return load_contract_set(request.param)


@pytest.fixture(scope="session")
def seed() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (DATA / "seed_create_flow_run.json").read_text()
    )
    return loaded
