"""Helpers for driving ``mockserver serve`` with the real Prefect client and CLI.

A :class:`Prefect` holds what a Prefect process needs to talk to one mock
server; :func:`watched` checks the server's log for answers a real client
should never get.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.responses import DeploymentResponse
from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

from tests.conftest import MockServer

CLI_TIMEOUT = 120.0

# One INFO line per answered request: method, path, operation, status.
REQUEST_LINE = re.compile(r" INFO (\S+) (\S+) (\S+) (\d{3}) [\d.]+ms$")
FAILURE_LINE = re.compile(r"breaks its contract|failed to answer|Traceback")
# Prefect 3 refuses CSRF tokens with 422 when protection is off, its default.
EXPECTED_422 = {"create_csrf_token"}

FLOW_FILE = """\
from prefect import flow


@flow(name={name!r})
def hello(x: int = 1, y: str = "a"):
    return x
"""


@dataclass
class Prefect:
    """The real Prefect client and CLI, configured for one mock server.

    :param server: the mock server every call goes to.
    :param home: the ``PREFECT_HOME`` of the client in this process; each
        CLI process gets a fresh folder inside it.
    """

    server: MockServer
    home: Path
    _processes: Iterator[int] = field(default_factory=itertools.count, repr=False)

    @property
    def api_url(self) -> str:
        return self.server.api_url

    def environment(self) -> dict[str, str]:
        """The environment of a new CLI process: only our Prefect settings."""
        home = self.home / f"cli-{next(self._processes)}"
        home.mkdir()
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("PREFECT_")
        }
        return {
            **inherited,
            "PREFECT_API_URL": self.api_url,
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            # Wide enough that rich never shortens a name in a table.
            "COLUMNS": "240",
        }

    @contextmanager
    def settings(self) -> Iterator[None]:
        """Point the Prefect code of this process at the server."""
        overrides = {PREFECT_API_URL: self.api_url, PREFECT_HOME: self.home}
        with temporary_settings(overrides):
            yield

    @contextmanager
    def client(self) -> Iterator[SyncPrefectClient]:
        """A synchronous Prefect client of the server."""
        with self.settings(), get_client(sync_client=True) as client:
            yield client

    def cli(self, *arguments: str) -> str:
        """Run ``prefect ARGUMENTS`` in a child process and return its output.

        A failing command fails the test with everything it printed.
        """
        command = [sys.executable, "-m", "prefect", *arguments]
        completed = subprocess.run(
            command,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
        assert completed.returncode == 0, (
            f"prefect {' '.join(arguments)} exited {completed.returncode}:\n"
            f"{completed.stdout}\n{completed.stderr}"
        )
        return completed.stdout

    def cli_json(self, *arguments: str) -> Any:
        """Run a ``prefect`` command with ``--output json``; parse its output."""
        return json.loads(self.cli(*arguments, "--output", "json"))

    def deployment(
        self, flow_name: str, name: str, **fields: Any
    ) -> DeploymentResponse:
        """Create a flow and a deployment of it through the client; read it back."""
        with self.client() as client:
            flow_id = client.create_flow_from_name(flow_name)
            deployment_id = client.create_deployment(flow_id, name, **fields)
            return client.read_deployment(deployment_id)


def traffic_problems(log: str) -> list[str]:
    """List the log lines of answers a real client should never see."""
    problems = []
    for line in log.splitlines():
        request = REQUEST_LINE.search(line)
        if request is not None:
            operation, status = request.group(3), int(request.group(4))
            refused = status == 422 and operation not in EXPECTED_422
            if refused or status >= 500:
                problems.append(line)
        elif FAILURE_LINE.search(line):
            problems.append(line)
    return problems


@contextmanager
def watched(server: MockServer) -> Iterator[None]:
    """Fail unless the log lines written inside the block are clean."""
    start = len(server.log())
    yield
    problems = traffic_problems(server.log()[start:])
    assert not problems, "answers a real client never gets:\n" + "\n".join(problems)


def unique_name(node_id: str, stem: str) -> str:
    """A name unique to one test and stable from run to run."""
    digest = hashlib.sha1(node_id.encode()).hexdigest()[:10]
    return f"{stem}-{digest}"


def prefect_for(server: MockServer, tmp_path: Path) -> Iterator[Prefect]:
    """Yield a :class:`Prefect` of ``server``, watching the traffic it causes."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    with watched(server):
        yield Prefect(server, home)
