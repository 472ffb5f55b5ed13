"""Fixtures shared by every test directory.

Real Prefect servers are expensive (15 s or more to start), so each version
is started at most once per test session, and only when a test asks for it.
Tests that use them carry ``@pytest.mark.reference``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mockserver.reference import ReferenceServer

CONTRACTS_DIR = Path(__file__).parents[1] / "contracts"
STARTUP_TIMEOUT = 20.0
URL_LINE = re.compile(r"serving the Prefect API at (http://\S+/api)")


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


@dataclass
class MockServer:
    """A ``mockserver serve`` child process answering on a loopback port."""

    api_url: str
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")


def start_mock_server(log_path: Path, *arguments: str) -> MockServer:
    """Start ``python -m mockserver serve --port 0`` and wait for its URL."""
    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0", *arguments]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ)
        )

    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        found = URL_LINE.search(log_path.read_text(encoding="utf-8"))
        if found:
            server = MockServer(found.group(1), log_path, process)
            _wait_until_healthy(server.api_url, deadline)
            return server
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=5)
    raise RuntimeError(f"mockserver did not start:\n{log_path.read_text()}")


def _wait_until_healthy(api_url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(api_url + "/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{api_url}/health never answered")


def stop_mock_server(server: MockServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


def replies_breaking_contracts(server: MockServer) -> list[str]:
    """Lines of a server's log where a reply broke its response contract."""
    return [line for line in server.log().splitlines() if "breaks its contract" in line]


@pytest.fixture(scope="session")
def mock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    """``mockserver serve`` for Prefect 3.9.1 in a subprocess, shared by the session."""
    log_path = tmp_path_factory.mktemp("mock_server") / "serve.log"
    server = start_mock_server(log_path)
    yield server
    stop_mock_server(server)
    # Every reply the session saw must satisfy its response contract.
    assert replies_breaking_contracts(server) == []


@pytest.fixture(scope="session")
def mock_server_2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    """``mockserver serve`` for Prefect 2.14.16 in a subprocess."""
    log_path = tmp_path_factory.mktemp("mock_server_2") / "serve.log"
    server = start_mock_server(log_path, "--prefect-version", "2.14.16")
    yield server
    stop_mock_server(server)
    assert replies_breaking_contracts(server) == []
