"""Files no recording can be made of: refused by name, never waited on.

A recording directory may hold what no recorder writes: a FIFO, a loop of
symbolic links, JSON Python cannot read, or a reply no HTTP answer can carry.
Each is reported as unusable with the reason, when it is read, and never
stalls or fails the calls the other recordings answer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from mockserver.errors import RecordingError
from mockserver.exchange import Call
from mockserver.recording import (
    PlaybackResponder,
    RecordedResponse,
    read_recording,
    resolve_recording,
)

from .conftest import DEPLOYMENT_ID, Write, read_deployment

READ = Call("read_deployment", {"id": DEPLOYMENT_ID})
NAME = "0001-read_deployment-200.json"
SECONDS = 10.0
T = TypeVar("T")


def within_seconds(path: Path, action: Callable[[], T]) -> T:
    """Run ``action``, failing if it waits on ``path`` for :data:`SECONDS`."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(action())
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(SECONDS)
    if worker.is_alive():
        # Opening the FIFO for writing lets a blocked reader see its end.
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(SECONDS)
        pytest.fail(f"waited on {path.name} for {SECONDS} s")
    (result,) = outcome
    if isinstance(result, BaseException):
        raise result
    return result  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (os.mkfifo, "not a regular file (a FIFO)"),
        (Path.mkdir, "not a regular file (a directory)"),
        (lambda path: path.symlink_to(path.name), "symbolic links form a loop"),
    ],
    ids=["fifo", "directory", "link-loop"],
)
def test_only_regular_files_are_read(
    recordings: Path, make: Callable[[Path], None], reason: str
) -> None:
    path = recordings / NAME
    make(path)

    with pytest.raises(RecordingError, match=re.escape(reason)) as raised:
        within_seconds(path, lambda: read_recording(recordings, NAME))

    assert str(raised.value).startswith(f"{NAME}: cannot be read: ")
    assert raised.value.path == NAME


def test_a_link_loop_is_refused_when_resolved(recordings: Path) -> None:
    (recordings / NAME).symlink_to("0002-read_deployment-200.json")
    (recordings / "0002-read_deployment-200.json").symlink_to(NAME)

    with pytest.raises(RecordingError, match="symbolic links form a loop"):
        resolve_recording(recordings, NAME)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply to read"),
        ('{"format": ' + "9" * 5000 + "}", "integer string conversion"),
    ],
    ids=["nested-100000-deep", "integer-of-5000-digits"],
)
def test_json_python_cannot_read_is_not_json(
    recordings: Path, content: str, reason: str
) -> None:
    (recordings / NAME).write_text(content)

    with pytest.raises(RecordingError, match=reason) as raised:
        read_recording(recordings, NAME)

    assert str(raised.value).startswith(f"{NAME}: not JSON: ")


def test_a_fifo_added_later_never_stalls_a_call(recordings: Path, write: Write) -> None:
    write(NAME, read_deployment())
    responder = PlaybackResponder(recordings)
    fifo = recordings / "0002-read_deployment-200.json"
    os.mkfifo(fifo)

    reply = within_seconds(fifo, lambda: responder.respond(READ))

    assert reply.status == 200
    assert "a FIFO" in responder.unusable[fifo.name]


def replying(status: int, headers: dict[str, str], body: Any) -> Callable[[], str]:
    """A recording file of ``read_deployment`` with this reply, as JSON text."""

    def text() -> str:
        response = RecordedResponse(status, headers, "PLACEHOLDER")
        recording = dataclasses.replace(read_deployment(), response=response)
        return json.dumps(recording.to_json()).replace('"PLACEHOLDER"', body)

    return text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (replying(200, {}, "NaN"), "response.body cannot be sent as JSON"),
        (replying(200, {}, "[-Infinity]"), "response.body cannot be sent as JSON"),
        (replying(200, {}, '"\\ud800"'), "surrogates not allowed"),
        (replying(200, {"x-a": "1\r\nx-b: 2"}, "{}"), "is not a valid header"),
        (replying(200, {"x-a": "\u2603"}, "{}"), "is not a valid header"),
        (replying(200, {"x a": "1"}, "{}"), "is not a valid header"),
        (replying(101, {}, "{}"), "101 is informational, not a reply"),
    ],
    ids=[
        "nan",
        "infinity",
        "lone-surrogate",
        "newline-in-a-header",
        "header-beyond-latin-1",
        "space-in-a-header-name",
        "informational-status",
    ],
)
def test_a_reply_no_http_answer_can_carry_is_unusable(
    recordings: Path, write: Write, text: Callable[[], str], reason: str
) -> None:
    write(NAME, read_deployment())
    broken = recordings / "0002-read_deployment-200.json"
    broken.write_text(text())

    responder = PlaybackResponder(recordings)

    assert read_recording(recordings, broken.name).name == broken.name
    assert reason in responder.unusable[broken.name]
    assert list(responder.unusable) == [broken.name]
    assert responder.respond(READ).status == 200


def test_framing_and_connection_headers_are_not_replayed(
    recordings: Path, write: Write
) -> None:
    headers = {
        "content-length": "5",
        "transfer-encoding": "chunked",
        "connection": "close",
        "x-a": "1",
    }
    recording = read_deployment()
    response = dataclasses.replace(recording.response, headers=headers)
    write(NAME, dataclasses.replace(recording, response=response))

    reply = PlaybackResponder(recordings).respond(READ)

    assert reply.headers == {"x-a": "1"}
