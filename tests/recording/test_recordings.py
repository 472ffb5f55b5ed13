"""The recording file format: names, round trip, safety, atomicity, redaction."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mockserver.errors import RecordingError
from mockserver.recording import (
    REDACTED,
    list_recordings,
    read_recording,
    recording_name,
    redact_body,
    redact_headers,
    resolve_recording,
    write_recording,
)
from mockserver.recording.recordings import next_sequence

from .conftest import Write, read_deployment


def test_names_say_order_operation_and_status() -> None:
    assert recording_name(7, "create_deployment", 201) == (
        "0007-create_deployment-201.json"
    )
    assert recording_name(12, None, 404) == "0012-unmatched-404.json"


def test_a_written_recording_reads_back_equal(recordings: Path, write: Write) -> None:
    recording = dataclasses.replace(read_deployment(), drift=("response: x",))
    write("0001-read_deployment-200.json", recording)

    read = read_recording(recordings, "0001-read_deployment-200.json")

    assert read == dataclasses.replace(recording, name="0001-read_deployment-200.json")


def test_numbering_continues_after_the_recordings_there(
    recordings: Path, write: Write
) -> None:
    write("0001-read_deployment-200.json", read_deployment())
    write("0009-read_deployment-404.json", read_deployment(status=404))
    (recordings / "notes.json").write_text("{}")

    assert next_sequence(recordings) == 10


def test_temporary_and_other_files_are_not_recordings(
    recordings: Path, write: Write
) -> None:
    write("0001-read_deployment-200.json", read_deployment())
    (recordings / ".0002-read_deployment-200.json.x1y2.tmp").write_text("{")
    (recordings / "README.md").write_text("notes")

    assert list_recordings(recordings) == ["0001-read_deployment-200.json"]


def test_a_file_that_is_not_a_recording_names_every_problem(recordings: Path) -> None:
    (recordings / "0001-x-200.json").write_text(
        json.dumps({"format": 1, "request": {"method": "GET"}})
    )

    with pytest.raises(RecordingError) as raised:
        read_recording(recordings, "0001-x-200.json")

    message = str(raised.value)
    assert message.startswith("0001-x-200.json: ")
    for missing in ("prefect_version", "operation", "response", "'path'"):
        assert missing in message
    assert raised.value.path == "0001-x-200.json"


@pytest.mark.parametrize(
    "name",
    [
        "../outside.json",
        "/etc/outside.json",
        "nested/0001-x-200.json",
        "..",
        ".hidden.json",
        "0001-x-200.txt",
        ".json",
    ],
    ids=["parent", "absolute", "subfolder", "dotdot", "hidden", "not-json", "bare"],
)
def test_names_cannot_leave_the_directory(recordings: Path, name: str) -> None:
    with pytest.raises(RecordingError, match="must be a file name"):
        resolve_recording(recordings, name)
    with pytest.raises(RecordingError):
        write_recording(recordings, name, read_deployment())


def test_a_symbolic_link_out_of_the_directory_is_refused(
    tmp_path: Path, recordings: Path
) -> None:
    outside = tmp_path / "secret.json"
    write_recording(tmp_path, "secret.json", read_deployment())
    (recordings / "0001-read_deployment-200.json").symlink_to(outside)

    with pytest.raises(RecordingError, match="leads out of"):
        read_recording(recordings, "0001-read_deployment-200.json")


def test_a_symbolic_link_inside_the_directory_is_followed(
    recordings: Path, write: Write
) -> None:
    write("0001-read_deployment-200.json", read_deployment())
    (recordings / "0002-read_deployment-200.json").symlink_to(
        "0001-read_deployment-200.json"
    )

    assert read_recording(recordings, "0002-read_deployment-200.json").operation == (
        "read_deployment"
    )


def test_rewriting_replaces_the_file_whole_and_leaves_no_temporary_file(
    recordings: Path, write: Write
) -> None:
    path = write("0001-read_deployment-200.json", read_deployment())
    before = os.stat(path).st_ino

    write("0001-read_deployment-200.json", read_deployment(status=404))

    assert os.stat(path).st_ino != before
    assert read_recording(recordings, path.name).response.status == 404
    assert os.listdir(recordings) == [path.name]


_SLOW_WRITER = """
import sys
from pathlib import Path
from mockserver.recording import Recording, RecordedRequest, RecordedResponse
from mockserver.recording import write_recording

body = list(range(4_000_000))
recording = Recording(
    "read_deployments", "3.9.1",
    RecordedRequest("POST", "/api/deployments/filter"),
    RecordedResponse(200, {}, body),
)
write_recording(Path(sys.argv[1]), "0001-read_deployments-200.json", recording)
"""


def test_a_writer_killed_mid_write_leaves_no_partial_recording(
    recordings: Path,
) -> None:
    writer = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(recordings)])
    try:
        temporary = _wait_for_partial_file(recordings, writer)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)

    assert writer.returncode == -signal.SIGKILL
    assert temporary.name.startswith(".0001-read_deployments-200.json.")
    assert not (recordings / "0001-read_deployments-200.json").exists()
    assert list_recordings(recordings) == []


def _wait_for_partial_file(folder: Path, writer: subprocess.Popen[bytes]) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and writer.poll() is None:
        hidden = [entry for entry in folder.iterdir() if entry.name.startswith(".")]
        if hidden and hidden[0].stat().st_size > 0:
            return hidden[0]
        time.sleep(0.005)
    raise AssertionError("the writer never started writing, or finished first")


@pytest.mark.parametrize(
    ("header", "redacted"),
    [
        ("Authorization", True),
        ("X-API-Key", True),
        ("Cookie", True),
        ("Set-Cookie", True),
        ("Prefect-Csrf-Token", True),
        ("X-CSRF-Token", True),
        ("Content-Type", False),
        ("User-Agent", False),
    ],
    ids=lambda value: str(value),
)
def test_secret_headers_are_redacted(header: str, redacted: bool) -> None:
    kept = redact_headers({header: "s3cr3t", "Host": "127.0.0.1:4200"})

    assert kept == {header.lower(): REDACTED if redacted else "s3cr3t"}


def test_secret_fields_are_redacted_at_any_depth() -> None:
    body = {
        "token": "csrf-value",
        "name": "nightly",
        "idempotency_key": "kept",
        "parameters": {"api_key": "k", "db_password": "p", "retries": 3},
        "items": [{"csrf_token": "t", "refresh_token": None}],
    }

    assert redact_body(body) == {
        "token": REDACTED,
        "name": "nightly",
        "idempotency_key": "kept",
        "parameters": {"api_key": REDACTED, "db_password": REDACTED, "retries": 3},
        "items": [{"csrf_token": REDACTED, "refresh_token": None}],
    }
