"""``mockserver record``: a proxy process that prints its drift summary on exit."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from mockserver.app import create_app
from mockserver.cli_record import record
from mockserver.recording import list_recordings

from .conftest import serving

URL_LINE = re.compile(r"serving the Prefect API at (http://\S+/api)")
RECORD = "from mockserver.cli_record import record; record()"


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    with serving(create_app("3.9.1")) as api_url:
        yield api_url


def _wait_for_url(log: Path, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        found = URL_LINE.search(log.read_text())
        if found:
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError(f"the proxy never started:\n{log.read_text()}")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["term", "int"])
def test_stopping_the_proxy_prints_the_summary(
    target: str, tmp_path: Path, stop: signal.Signals
) -> None:
    out, log = tmp_path / "out", tmp_path / "record.log"
    arguments = ["--target", target, "--port", "0", "--out", str(out)]
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", RECORD, *arguments],
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    try:
        api_url = _wait_for_url(log, process)
        assert httpx.get(f"{api_url}/health").json() is True
    finally:
        process.send_signal(stop)
        try:
            stdout, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"the proxy went on after {stop.name}:\n{log.read_text()}")

    assert process.returncode == 0
    assert stdout.decode().splitlines() == [
        "recorded 1 exchange",
        "no drift from the contract set",
    ]
    assert list_recordings(out) == ["0001-health_check-200.json"]
    assert f"recording traffic to {target} in {out}" in log.read_text()


@pytest.mark.parametrize(
    "target",
    ["127.0.0.1:4200/api", "ftp://127.0.0.1/api", "http:///api"],
    ids=["no-scheme", "not-http", "no-host"],
)
def test_a_target_that_is_not_an_http_url_is_refused(target: str) -> None:
    result = CliRunner().invoke(record, ["--target", target])

    assert result.exit_code == 2
    assert "is not an http(s) URL" in result.output
