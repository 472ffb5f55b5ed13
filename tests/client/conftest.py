"""Fixtures for the real Prefect 3.9.1 client and CLI against the mock server.

Each test drives a mock server in a child process with the unmodified
``prefect`` package: the client inside the test process (under temporary
settings), the CLI in child processes. Every test and every CLI process gets
a ``PREFECT_HOME`` of its own, and all of them run offline.

Tests share the session's server and keep apart by names derived from
their own node id. When a test ends, the part of the server's log that the
test caused must show no reply breaking its contract, no answer that
failed, and no request refused as invalid: whatever the real client sends,
a real server accepts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import MockServer

from .support import FLOW_FILE, Prefect, prefect_for, unique_name


@pytest.fixture
def prefect(mock_server: MockServer, tmp_path: Path) -> Iterator[Prefect]:
    """The Prefect client and CLI against the session's 3.9.1 mock server."""
    yield from prefect_for(mock_server, tmp_path)


@pytest.fixture
def flow_name(request: pytest.FixtureRequest) -> str:
    """A flow name of this test's own."""
    return unique_name(request.node.nodeid, "flow")


@pytest.fixture
def flow_source(tmp_path: Path, flow_name: str) -> Path:
    """A folder holding ``flow.py``, whose flow ``hello`` is named ``flow_name``."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "flow.py").write_text(FLOW_FILE.format(name=flow_name))
    return source
