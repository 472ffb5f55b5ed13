"""Exposure: who can reach the server, and where its files can go.

A mock server has no authentication, so it listens on loopback unless told
otherwise, and says so loudly when told otherwise. Recording file names are
made by the recorder, never taken from a request, so no path a client sends
can place a file outside the recording directory. (Names given directly to
the recording functions, and links leading out of a playback directory, are
covered by ``tests/recording``.)
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.app import create_app
from mockserver.recording import list_recordings
from mockserver.serve import ServerThread
from tests.robustness.conftest import Served
from tests.robustness.test_recording import start_recorder

WARNING = "anyone who can reach this address can use the mock server"
# A documentation address (RFC 5737) this machine does not have: the warning
# is logged, then binding fails, so nothing is ever exposed by these tests.
ELSEWHERE = "192.0.2.1"


def listening_addresses(port: int) -> set[str]:
    """The local addresses of sockets listening on ``port``, from /proc/net."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A" and len(address) == width:
                found.add(_address(address))
    return found


def _address(hexadecimal: str) -> str:
    raw = bytes.fromhex(hexadecimal)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def test_serve_listens_on_loopback_only_by_default(served: Served) -> None:
    host, port = served.address

    assert host == "127.0.0.1"
    assert listening_addresses(port) == {"127.0.0.1"}
    assert WARNING not in served.server.log()


@pytest.mark.parametrize(
    "command",
    [["serve"], ["record", "--target", "http://127.0.0.1:9/api"]],
    ids=["serve", "record"],
)
def test_binding_another_address_warns_in_the_log(
    command: list[str], tmp_path: Path
) -> None:
    arguments = [*command, "--host", ELSEWHERE, "--port", "0"]
    finished = subprocess.run(
        [sys.executable, "-m", "mockserver", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )

    log = finished.stderr
    assert f"WARNING serving on {ELSEWHERE!r}: {WARNING}" in log
    assert f"cannot listen on {ELSEWHERE}:0" in log
    assert finished.returncode != 0


TRAVERSALS = [
    "/deployments/..%2F..%2F..%2Fetc%2Fpasswd",
    "/flows/name/..%2F..%2Fescaped.json",
    "/flows/name/%2e%2e%2f%2e%2e%2fescaped.json",
    "/deployments/name/../../escaped/x",
    "/..%2F..%2Fescaped.json",
    "/flows/name/" + "a" * 5000,
]


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    with ServerThread(create_app("3.9.1")) as server:
        yield server.api_url


def test_no_request_path_places_a_recording_outside_its_directory(
    target: str, tmp_path: Path
) -> None:
    out = tmp_path / "nested" / "out"
    process, api_url = start_recorder(target, out, tmp_path / "record.log")
    try:
        with httpx.Client(base_url=api_url, timeout=10) as http:
            for path in TRAVERSALS:
                http.get(path)
                http.post(path, json={"name": "../../escaped"})
    finally:
        process.terminate()
        process.wait(timeout=20)

    everything = sorted(
        str(path.relative_to(tmp_path))
        for path in tmp_path.rglob("*")
        if path.is_file()
    )
    recordings = list_recordings(out)
    assert len(recordings) == 2 * len(TRAVERSALS)
    assert all(re.fullmatch(r"\d{4}-[a-z_]+-\d{3}\.json", name) for name in recordings)
    assert everything == sorted(
        ["record.log", *(f"nested/out/{name}" for name in recordings)]
    )
