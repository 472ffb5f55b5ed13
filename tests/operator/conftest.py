"""Fixtures of the operator surface: served applications and a headless browser.

Everything here is tested over real HTTP: applications are served by
waitress in a thread (as ``mockserver serve`` serves them), and the
dashboard is opened in Debian's Chromium driven by Playwright. The browser
is installed with apt-get when it is missing and the tests run as root;
Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask
import httpx
import pytest

from mockserver.app import create_app
from mockserver.serve import ServerThread

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
APT_TIMEOUT = 900


def create_deployment(
    client: httpx.Client, flow: str = "etl", name: str = "nightly"
) -> dict[str, Any]:
    """Create a flow and a deployment of it through the API; return the deployment."""
    created_flow = client.post("/api/flows/", json={"name": flow})
    assert created_flow.status_code in (200, 201), created_flow.text
    deployment = client.post(
        "/api/deployments/",
        json={"name": name, "flow_id": created_flow.json()["id"]},
    )
    assert deployment.status_code in (200, 201), deployment.text
    result: dict[str, Any] = deployment.json()
    return result


@dataclass
class Served:
    """An application served by waitress on a loopback port."""

    app: flask.Flask
    base_url: str
    server: ServerThread = field(repr=False)

    def client(self, **headers: str) -> httpx.Client:
        """Return an HTTP client for this server; close it after use."""
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)


ServeApp = Callable[..., Served]
"""Serves ``create_app(**options)`` and returns where."""


@pytest.fixture
def serve_app() -> Iterator[ServeApp]:
    """Serve ``create_app(**options)`` on waitress; stopped after the test."""
    running: list[ServerThread] = []

    def serve(**options: Any) -> Served:
        app = create_app(**options)
        server = ServerThread(app)
        server.start()
        running.append(server)
        return Served(app, server.url, server)

    yield serve
    for server in running:
        server.stop()


@pytest.fixture
def served(serve_app: ServeApp) -> Served:
    """A Prefect 3.9.1 mock with no token and no faults."""
    return serve_app()


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with served.client() as client:
        yield client


@pytest.fixture
def deployment(http: httpx.Client) -> dict[str, Any]:
    """A deployment (of a flow) created through the API of :func:`served`."""
    return create_deployment(http)


@pytest.fixture
def make_deployment() -> Callable[..., dict[str, Any]]:
    """Create a flow and a deployment through any client: ``make(client, ...)``."""
    return create_deployment


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed with apt-get when missing and we are root."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(
            f"the dashboard tests need Chromium at {CHROMIUM}: install Debian's "
            "'chromium' package (apt-get install chromium), or run the tests as "
            "root on Debian so that they install it"
        )

    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "chromium"],
    ):
        subprocess.run(
            command,
            check=True,
            env=environment,
            timeout=APT_TIMEOUT,
            capture_output=True,
        )
    assert CHROMIUM.exists(), f"apt-get installed chromium, but not at {CHROMIUM}"
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Any]:
    """A headless Chromium, shared by a module's tests.

    Not by the session: while Playwright's synchronous API runs, its event
    loop counts as running in this thread, and Prefect's functions that
    answer sync or async by the context (``Flow.from_source``) would return
    coroutines to every later test.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def artifacts() -> Path:
    """``tests/artifacts/``, where tests leave files for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
