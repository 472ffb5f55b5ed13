"""``mockserver serve --server granian``: the same answers from the opt-in server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator

import click
import httpx
import pytest
from click.testing import CliRunner
from flask import Flask

from mockserver.cli import main
from mockserver.serve import SERVERS, serve
from tests.conftest import MockServer, start_mock_server, stop_mock_server

pytest.importorskip("granian")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    folder = tmp_path_factory.mktemp("granian")
    faults = folder / "faults.json"
    faults.write_text(json.dumps([{"operation": "read_flows", "status": 503}]))
    server = start_mock_server(
        folder / "serve.log", "--server", "granian", "--faults", str(faults)
    )
    yield server
    stop_mock_server(server)


@pytest.fixture
def api_url(served: MockServer) -> str:
    return served.api_url


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


def test_granian_serves_what_the_other_serve_flags_set(api_url: str) -> None:
    struck = httpx.post(api_url + "/flows/filter", json={}, timeout=10)
    refused = httpx.post(api_url + "/flows/", json={"name": 5}, timeout=10)

    assert (struck.status_code, struck.json()) == (
        503,
        {"exception_message": "Service Unavailable"},
    )
    assert refused.status_code == 422
    assert refused.json()["exception_detail"][0]["loc"] == ["body", "name"]


def test_the_cli_offers_every_server() -> None:
    options = {param.name: param for param in main.commands["serve"].params}

    choice = options["server"].type
    assert isinstance(choice, click.Choice)
    assert tuple(choice.choices) == SERVERS


def test_granian_missing_stops_serve_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "granian", None)

    result = CliRunner().invoke(main, ["serve", "--server", "granian"])

    assert result.exit_code == 2
    assert "pip install 'mockserver[fast]'" in result.output


def test_granian_on_a_busy_port_fails_with_a_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        command = ["serve", "--server", "granian", "--port", str(port)]
        finished = subprocess.run(
            [sys.executable, "-m", "mockserver", *command],
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert finished.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in finished.stderr
    assert "panicked" not in finished.stderr


def test_an_unknown_server_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown server 'gunicorn'"):
        serve(Flask("unused"), server="gunicorn")
