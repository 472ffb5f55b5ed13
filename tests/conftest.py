"""Fixtures shared by every test directory.

Real Prefect servers are expensive (15 s or more to start), so each version
is started at most once per test session, and only when a test asks for it.
Tests that use them carry ``@pytest.mark.reference``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.reference import ReferenceServer

CONTRACTS_DIR = Path(__file__).parents[1] / "contracts"


@pytest.fixture(scope="session")
def contracts_dir() -> Path:
    """The repository's ``contracts/`` folder."""
    return CONTRACTS_DIR


@pytest.fixture(scope="session")
def reference_server() -> Iterator[ReferenceServer]:
    """A real Prefect 3.9.1 server, shared by the whole session."""
    with ReferenceServer("3.9.1", contracts_dir=CONTRACTS_DIR) as server:
        yield server


@pytest.fixture(scope="session")
def reference_server_2() -> Iterator[ReferenceServer]:
    """A real Prefect 2.14.16 server, installed into a cached environment."""
    with ReferenceServer("2.14.16", contracts_dir=CONTRACTS_DIR) as server:
        yield server
