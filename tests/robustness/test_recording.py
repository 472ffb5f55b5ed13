"""Recordings under crashes and corruption.

A recorder process killed while traffic flows through it leaves only whole
recordings: each file reads back and plays back. A playback directory
holding a file that cannot be used (a directory, a link loop, a FIFO, JSON
nested too deeply, numbers Python refuses, values no JSON reply can carry)
reports that file by name and serves the rest, over HTTP, without hanging.

``tests/recording`` already covers malformed, binary and foreign-version
files and a writer killed inside :func:`write_recording`; these extend them
to the files those tests do not make and to a whole recorder process.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from mockserver.app import create_app
from mockserver.recording import (
    PlaybackResponder,
    RecordedRequest,
    RecordedResponse,
    Recording,
    list_recordings,
    read_recording,
    write_recording,
)
from mockserver.serve import ServerThread

URL_LINE = re.compile(r"serving the Prefect API at (http://\S+/api)")
LOAD_TIMEOUT = 10.0


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    """A mock server for the recorder to forward to."""
    with ServerThread(create_app("3.9.1")) as server:
        yield server.api_url


def start_recorder(
    target: str, out: Path, log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    command = [sys.executable, "-m", "mockserver", "record", "--target", target]
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, "--port", "0", "--out", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        found = URL_LINE.search(log.read_text())
        if found:
            return process, found.group(1)
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=10)
    raise AssertionError(f"the recorder never started:\n{log.read_text()}")


def traffic(api_url: str, stop: threading.Event, client_number: int) -> int:
    """Send writes with sizeable bodies until the recorder dies."""
    sent = 0
    padding = "x" * 200_000
    with httpx.Client(base_url=api_url, timeout=10) as http:
        try:
            flow = http.post("/flows/", json={"name": f"f{client_number}"}).json()
            while not stop.is_set() and sent < 500:
                body = {
                    "name": f"d{client_number}-{sent}",
                    "flow_id": flow["id"],
                    "description": padding,
                }
                http.post("/deployments/", json=body)
                http.post("/deployments/filter", json={"limit": 5})
                sent += 2
        except httpx.HTTPError:
            pass
    return sent


def wait_for_recordings(out: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if out.is_dir() and len(list_recordings(out)) >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"fewer than {count} recordings after a minute")


@pytest.mark.parametrize("kill_after", [3, 30], ids=["early", "late"])
def test_a_recorder_killed_mid_traffic_leaves_only_whole_recordings(
    target: str, tmp_path: Path, kill_after: int
) -> None:
    out = tmp_path / "out"
    process, api_url = start_recorder(target, out, tmp_path / "record.log")
    stop = threading.Event()
    try:
        with ThreadPoolExecutor(4) as pool:
            clients = [pool.submit(traffic, api_url, stop, n) for n in range(4)]
            wait_for_recordings(out, kill_after)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            stop.set()
            for client in clients:
                client.result()
    finally:
        stop.set()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    names = list_recordings(out)
    leftovers = sorted(set(os.listdir(out)) - set(names))
    assert len(names) >= kill_after
    # A write the kill interrupted leaves a hidden temporary file at most.
    assert all(re.fullmatch(r"\..+\.json\.\w+\.tmp", name) for name in leftovers)
    for name in names:
        assert read_recording(out, name).response.status in (200, 201)
    assert PlaybackResponder(out).unusable == {}


def version(operation: str, path: str, answer: str) -> Recording:
    return Recording(
        operation=operation,
        prefect_version="3.9.1",
        request=RecordedRequest("GET", path),
        response=RecordedResponse(200, {"content-type": "application/json"}, answer),
    )


def recorded_text(text: str) -> Callable[[Path], None]:
    """Write a recording of ``GET /api/version`` answered with the JSON ``text``."""

    def make(path: Path) -> None:
        recording = version("server_version", "/api/version", "placeholder")
        document = json.dumps(recording.to_json())
        path.write_text(document.replace('"placeholder"', text, 1))

    return make


def fifo(path: Path) -> None:
    os.mkfifo(path)


BROKEN: dict[str, Callable[[Path], None]] = {
    "directory": lambda path: path.mkdir(),
    "dangling-link": lambda path: path.symlink_to(path.parent / "nowhere.json"),
    "link-loop": lambda path: path.symlink_to(path),
    "fifo": fifo,
    "nested-100000-deep": lambda path: path.write_text("[" * 100_000 + "]" * 100_000),
    "integer-of-5000-digits": lambda path: path.write_text(
        '{"format": ' + "9" * 5000 + "}"
    ),
    "nan-in-the-reply": recorded_text("NaN"),
    "lone-surrogate-in-the-reply": recorded_text('"\\ud800"'),
    "empty": lambda path: path.write_text(""),
}


def release(path: Path) -> None:
    """Let a reader blocked on a FIFO see its end."""
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def load_within_timeout(directory: Path, broken: Path) -> PlaybackResponder:
    loaded: list[PlaybackResponder | BaseException] = []

    def load() -> None:
        try:
            loaded.append(PlaybackResponder(directory))
        except BaseException as error:
            loaded.append(error)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(LOAD_TIMEOUT)
    if worker.is_alive():
        release(broken)
        worker.join(LOAD_TIMEOUT)
        raise AssertionError(f"loading the recordings hangs on {broken.name}")
    (result,) = loaded
    if isinstance(result, BaseException):
        raise AssertionError(f"loading the recordings raised {result!r}") from result
    return result


@pytest.mark.parametrize("make", list(BROKEN.values()), ids=list(BROKEN))
def test_an_unusable_file_is_reported_by_name_over_http_and_the_rest_served(
    tmp_path: Path, make: Callable[[Path], None]
) -> None:
    directory = tmp_path / "recordings"
    directory.mkdir()
    served_one = version("read_version", "/api/admin/version", "3.9.1")
    write_recording(directory, "0001-read_version-200.json", served_one)
    broken = directory / "0002-server_version-200.json"
    make(broken)

    responder = load_within_timeout(directory, broken)
    with (
        ServerThread(create_app("3.9.1", responder=responder)) as server,
        httpx.Client(base_url=server.api_url, timeout=10) as http,
    ):
        served = http.get("/admin/version")
        missed = http.get("/version")

    assert served.status_code == 200
    assert served.json() == "3.9.1"
    assert missed.status_code == 404
    unusable = [item["recording"] for item in missed.json()["unusable"]]
    assert unusable == [broken.name]
    assert broken.name in responder.unusable
