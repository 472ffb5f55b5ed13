"""``serve(..., server="granian")``: the same answers from the opt-in server."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from flask import Flask

from mockserver.serve import serve

pytest.importorskip("granian")

PROGRAM = """
from mockserver.app import create_app
from mockserver.cli import configure_logging
from mockserver.serve import serve
configure_logging("info")
serve(create_app(), port=0, server="granian")
"""
URL_LINE = re.compile(r"serving the Prefect API at (http://\S+/api)")


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log_path = tmp_path_factory.mktemp("granian") / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", PROGRAM], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield _wait_for_url(log_path, process)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_for_url(log_path: Path, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        found = URL_LINE.search(log_path.read_text())
        if found:
            try:
                httpx.get(found.group(1) + "/health", timeout=5)
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no server: {log_path.read_text()}")


def test_granian_answers_with_the_real_servers_headers(api_url: str) -> None:
    response = httpx.get(api_url + "/health", timeout=10)

    assert response.status_code == 200
    assert response.content == b"true"
    assert response.headers["server"] == "uvicorn"
    assert response.headers["content-type"] == "application/json"


def test_granian_keeps_the_state_between_requests(api_url: str) -> None:
    created = httpx.post(api_url + "/flows/", json={"name": "etl"}, timeout=10)

    read = httpx.get(f"{api_url}/flows/{created.json()['id']}", timeout=10)

    assert created.status_code == 201
    assert read.json() == created.json()


def test_an_unknown_server_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown server 'gunicorn'"):
        serve(Flask("unused"), server="gunicorn")
