"""Fixtures of the conformance tests: mock servers over HTTP, and run settings.

Runs are kept short so that the whole directory takes a few minutes on two
cores; the full-strength run is ``mockserver verify`` with its defaults.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DEVIATIONS = ROOT / "fixtures" / "conformance"

MAX_EXAMPLES = 5
"""Cases per operation and phase in the acceptance runs."""

STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    """Return a loopback port the system reports free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def mock_deviations(version: str) -> Path:
    """The known deviations of the mock serving ``version``'s contract set."""
    return DEVIATIONS / f"known-deviations-mock-{version}.json"


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(api_url + "/health", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def serving(version: str, log_path: Path) -> Iterator[str]:
    """Run ``mockserver serve`` for ``version`` and yield its API root."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "mockserver", "serve"),
        *("--port", str(port), "--prefect-version", version, "--log-level", "warning"),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(api_url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mockserver serve failed:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def mock_server_for(
    tmp_path: Path,
) -> Iterator[Callable[[str], str]]:
    """Start ``mockserver serve`` processes on demand; stop them afterwards."""
    with contextlib.ExitStack() as stack:

        def start(version: str) -> str:
            return stack.enter_context(serving(version, tmp_path / f"{version}.log"))

        yield start
