"""The reference-server harness starts real Prefect servers and stops them cleanly."""

from __future__ import annotations

import re
import socket
import stat
from pathlib import Path

import httpx
import pytest

from mockserver.errors import ReferenceServerError
from mockserver.reference import ReferenceServer


def _port_accepts_connections(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _fake_interpreter(root: Path, *, version: str, prefect_script: str) -> Path:
    """Make a stand-in Python that claims ``version`` and a ``prefect`` beside it."""
    bin_dir = root / "bin"
    bin_dir.mkdir()
    python = bin_dir / "python"
    python.write_text(f"#!/bin/sh\necho {version}\n")
    prefect = bin_dir / "prefect"
    prefect.write_text(f"#!/bin/sh\n{prefect_script}\n")
    for script in (python, prefect):
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return python


@pytest.mark.reference
@pytest.mark.parametrize(
    ("fixture", "version"),
    [("reference_server", "3.9.1"), ("reference_server_2", "2.14.16")],
    ids=["3.9.1", "2.14.16"],
)
def test_reference_server_answers_health_and_reports_its_version(
    request: pytest.FixtureRequest, fixture: str, version: str
) -> None:
    server: ReferenceServer = request.getfixturevalue(fixture)

    health = httpx.get(f"{server.api_url}/health")
    reported = httpx.get(f"{server.api_url}/admin/version")

    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api", server.api_url)
    assert (health.status_code, health.json()) == (200, True)
    assert reported.json() == version == server.version


@pytest.mark.reference
def test_stopping_closes_the_port_and_deletes_the_temporary_home(
    contracts_dir: Path,
) -> None:
    server = ReferenceServer("3.9.1", contracts_dir=contracts_dir).start()
    port, home = server.port, server.home
    assert port is not None
    assert home is not None
    assert _port_accepts_connections(port)
    assert (home / "server.log").is_file()

    server.stop()

    assert not _port_accepts_connections(port)
    assert not home.exists()
    assert not server.running
    server.stop()


def test_a_server_that_exits_during_startup_reports_its_log_tail(
    tmp_path: Path,
) -> None:
    python = _fake_interpreter(
        tmp_path,
        version="3.9.1",
        prefect_script="echo 'address already in use (simulated)' >&2; exit 3",
    )
    server = ReferenceServer("3.9.1", python=python, startup_timeout=30)

    with pytest.raises(ReferenceServerError) as raised:
        server.start()

    assert "exited during startup (exit status 3)" in str(raised.value)
    assert "address already in use (simulated)" in raised.value.log_tail
    assert server.home is None
    assert not server.running


def test_an_interpreter_with_another_prefect_version_is_refused(
    tmp_path: Path,
) -> None:
    python = _fake_interpreter(tmp_path, version="2.14.16", prefect_script="exit 0")

    with pytest.raises(ReferenceServerError, match=re.escape("'2.14.16', not '3.9.1'")):
        ReferenceServer("3.9.1", python=python).start()


def test_a_server_that_was_never_started_has_no_api_url() -> None:
    with pytest.raises(ReferenceServerError, match="not running"):
        _ = ReferenceServer().api_url
