"""Servers for the robustness tests: child processes, so that a crash shows.

Each module that needs one gets its own ``mockserver serve`` process, so
that what one module sends (megabytes of garbage, thousands of objects)
cannot change what another measures. The process is watched from outside:
its resident memory is read from ``/proc``, and its log is searched for
answers that failed.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import MockServer, start_mock_server, stop_mock_server

FAILED_ANSWER = re.compile(r"mockserver failed to answer|Traceback")


@dataclass
class Served:
    """A ``mockserver serve`` process and what a test needs to watch it."""

    server: MockServer

    @property
    def api_url(self) -> str:
        return self.server.api_url

    @property
    def address(self) -> tuple[str, int]:
        host_port = self.api_url.removeprefix("http://").removesuffix("/api")
        host, port = host_port.rsplit(":", 1)
        return host, int(port)

    def rss_mib(self) -> float:
        """The process's resident memory, in MiB."""
        status = Path(f"/proc/{self.server.process.pid}/status").read_text()
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        assert found is not None, status
        return int(found.group(1)) / 1024

    def is_healthy(self) -> bool:
        """Whether the process runs and answers ``GET /api/health`` with ``true``."""
        if self.server.process.poll() is not None:
            return False
        with httpx.Client(timeout=10) as client:
            response = client.get(self.api_url + "/health")
        return response.status_code == 200 and response.json() is True

    def failures_logged(self) -> list[str]:
        """Log lines saying an answer failed (a defect, never a user error)."""
        return [
            line
            for line in self.server.log().splitlines()
            if FAILED_ANSWER.search(line)
        ]

    def raw(self, data: bytes, *, timeout: float = 10.0) -> bytes:
        """Send ``data`` on a fresh connection and return all that comes back."""
        with socket.create_connection(self.address, timeout=timeout) as connection:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
            received = b""
            while chunk := connection.recv(65536):
                received += chunk
        return received


def serve_in_child(
    factory: pytest.TempPathFactory, name: str, *arguments: str
) -> Iterator[Served]:
    """Start a dedicated ``mockserver serve`` child and stop it afterwards."""
    log_path = factory.mktemp(name) / "serve.log"
    server = start_mock_server(log_path, *arguments)
    try:
        yield Served(server)
    finally:
        stop_mock_server(server)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A Prefect 3.9.1 mock server of this module's own."""
    yield from serve_in_child(tmp_path_factory, "robustness")


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.api_url, timeout=60) as client:
        yield client
