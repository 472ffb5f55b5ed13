"""Playback: which recording answers a call, and what a miss explains."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from mockserver.errors import RecordingError
from mockserver.exchange import Call
from mockserver.recording import PlaybackResponder, RecordedResponse

from .conftest import (
    DEPLOYMENT_ID,
    OTHER_ID,
    Write,
    create_flow_run,
    deployment,
    read_deployment,
)

READ = Call("read_deployment", {"id": DEPLOYMENT_ID})


def flow_run_call(body: Any) -> Call:
    return Call("create_flow_run_from_deployment", {"id": DEPLOYMENT_ID}, body=body)


def test_the_matching_recording_answers(recordings: Path, write: Write) -> None:
    write("0001-read_deployment-200.json", read_deployment())
    write("0002-read_deployment-404.json", read_deployment(OTHER_ID, 404, {"d": 1}))

    reply = PlaybackResponder(recordings).respond(READ)

    assert (reply.status, reply.body) == (200, deployment())


@pytest.mark.parametrize(
    "call",
    [
        Call("read_deployment", {"id": DEPLOYMENT_ID.upper()}),
        Call("read_deployment", {"id": DEPLOYMENT_ID.replace("-", "")}),
    ],
    ids=["upper-case", "without-dashes"],
)
def test_ids_match_in_any_spelling_of_the_same_uuid(
    recordings: Path, write: Write, call: Call
) -> None:
    write("0001-read_deployment-200.json", read_deployment())

    assert PlaybackResponder(recordings).respond(call).status == 200


def test_a_session_replays_in_the_order_it_was_recorded(
    recordings: Path, write: Write
) -> None:
    gone = {"detail": "Deployment not found"}
    write("0001-read_deployment-200.json", read_deployment())
    write("0002-read_deployment-404.json", read_deployment(status=404, body=gone))
    responder = PlaybackResponder(recordings)

    statuses = [responder.respond(READ).status for _ in range(3)]

    assert statuses == [200, 404, 404]


def test_bodies_must_be_equal_without_placeholders(
    recordings: Path, write: Write
) -> None:
    write(
        "0001-create_flow_run_from_deployment-201.json",
        create_flow_run({"parameters": {"x": 1}}, {"id": OTHER_ID}),
    )
    responder = PlaybackResponder(recordings)

    assert responder.respond(flow_run_call({"parameters": {"x": 1}})).status == 201
    assert responder.respond(flow_run_call({"parameters": {"x": 2}})).status == 404


@pytest.mark.parametrize(
    ("recorded", "sent"),
    [
        ({"id": DEPLOYMENT_ID}, {"id": OTHER_ID}),
        (
            {"state": {"timestamp": "2024-05-01T10:00:00.123456+00:00"}},
            {"state": {"timestamp": "2025-12-31T23:59:59Z"}},
        ),
        ({"ids": [DEPLOYMENT_ID, OTHER_ID]}, {"ids": [OTHER_ID, DEPLOYMENT_ID]}),
    ],
    ids=["id", "timestamp", "ids-in-a-list"],
)
def test_placeholders_let_ids_and_timestamps_differ(
    recordings: Path, write: Write, recorded: Any, sent: Any
) -> None:
    write(
        "0001-create_flow_run_from_deployment-201.json",
        create_flow_run(recorded, {"recorded": True}),
    )

    exact = PlaybackResponder(recordings)
    lenient = PlaybackResponder(recordings, placeholders=True)

    assert exact.respond(flow_run_call(sent)).status == 404
    assert lenient.respond(flow_run_call(sent)).body == {"recorded": True}


@pytest.mark.parametrize(
    ("recorded", "sent"),
    [
        ({"id": DEPLOYMENT_ID}, {"id": "not-an-id"}),
        ({"at": "2024-05-01T10:00:00Z"}, {"at": DEPLOYMENT_ID}),
        ({"name": "nightly"}, {"name": "hourly"}),
        ({"id": DEPLOYMENT_ID}, {"id": DEPLOYMENT_ID, "extra": 1}),
    ],
    ids=["id-for-text", "timestamp-for-id", "plain-text", "extra-field"],
)
def test_placeholders_match_only_values_of_the_same_kind(
    recordings: Path, write: Write, recorded: Any, sent: Any
) -> None:
    write(
        "0001-create_flow_run_from_deployment-201.json",
        create_flow_run(recorded, {"recorded": True}),
    )

    responder = PlaybackResponder(recordings, placeholders=True)

    assert responder.respond(flow_run_call(sent)).status == 404


def test_placeholders_prefer_the_exact_recording(
    recordings: Path, write: Write
) -> None:
    write("0001-read_deployment-200.json", read_deployment(OTHER_ID))
    write("0002-read_deployment-200.json", read_deployment())

    reply = PlaybackResponder(recordings, placeholders=True).respond(READ)

    assert reply.body == deployment()


def test_placeholders_match_path_parameters(recordings: Path, write: Write) -> None:
    write("0001-read_deployment-200.json", read_deployment(OTHER_ID))

    reply = PlaybackResponder(recordings, placeholders=True).respond(READ)

    assert reply.body == deployment(OTHER_ID)


def test_a_miss_names_the_closest_recordings_and_why(
    recordings: Path, write: Write
) -> None:
    write(
        "0001-create_flow_run_from_deployment-201.json",
        create_flow_run({"parameters": {"x": 1}, "tags": ["a"]}, {}),
    )
    write(
        "0002-create_flow_run_from_deployment-201.json",
        create_flow_run({"parameters": {"x": 2}}, {}),
    )
    write("0003-read_deployment-200.json", read_deployment())

    reply = PlaybackResponder(recordings).respond(
        flow_run_call({"parameters": {"x": 3}})
    )

    assert reply.status == 404
    assert reply.body["closest"] == [
        {
            "recording": "0002-create_flow_run_from_deployment-201.json",
            "reasons": ["body.parameters.x: recorded 2, got 3"],
        },
        {
            "recording": "0001-create_flow_run_from_deployment-201.json",
            "reasons": [
                "body.parameters.x: recorded 1, got 3",
                "body.tags: recorded, but not in the call",
            ],
        },
    ]
    detail = reply.body["detail"]
    assert "create_flow_run_from_deployment(id=" in detail
    assert "closest: 0002-create_flow_run_from_deployment-201.json: body" in detail


def test_a_miss_says_when_the_operation_was_never_recorded(
    recordings: Path, write: Write
) -> None:
    write("0001-read_deployment-200.json", read_deployment())

    reply = PlaybackResponder(recordings).respond(Call("count_deployments"))

    assert reply.status == 404
    assert "no usable recordings of count_deployments" in reply.body["detail"]
    assert reply.body["closest"] == []


def test_a_changed_file_is_served_on_the_next_call(
    recordings: Path, write: Write
) -> None:
    write("0001-read_deployment-200.json", read_deployment())
    responder = PlaybackResponder(recordings)
    assert responder.respond(READ).body == deployment()

    edited = read_deployment(body=deployment(description="edited"))
    write("0001-read_deployment-200.json", edited)

    assert responder.respond(READ).body == deployment(description="edited")


def test_an_edit_in_place_is_served_on_the_next_call(
    recordings: Path, write: Write
) -> None:
    path = write("0001-read_deployment-200.json", read_deployment())
    responder = PlaybackResponder(recordings)
    assert responder.respond(READ).status == 200

    document = json.loads(path.read_text())
    document["response"]["status"] = 404
    path.write_text(json.dumps(document))

    assert responder.respond(READ).status == 404


def test_added_and_removed_files_take_effect_on_the_next_call(
    recordings: Path, write: Write
) -> None:
    responder = PlaybackResponder(recordings)
    assert responder.respond(READ).status == 404

    path = write("0001-read_deployment-200.json", read_deployment())
    assert responder.respond(READ).status == 200

    path.unlink()
    assert responder.respond(READ).status == 404


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ('{"format": 1}', "'operation' is a required property"),
        (
            json.dumps(
                {
                    **read_deployment().to_json(),
                    "prefect_version": "2.14.16",
                }
            ),
            "recorded from Prefect 2.14.16, serving 3.9.1",
        ),
    ],
    ids=["malformed", "binary", "not-a-recording", "other-version"],
)
def test_an_unusable_file_is_reported_by_name_and_the_rest_served(
    recordings: Path,
    write: Write,
    caplog: pytest.LogCaptureFixture,
    content: str | bytes,
    reason: str,
) -> None:
    write("0001-read_deployment-200.json", read_deployment())
    broken = recordings / "0002-read_deployment-200.json"
    if isinstance(content, bytes):
        broken.write_bytes(content)
    else:
        broken.write_text(content)

    with caplog.at_level(logging.WARNING, logger="mockserver"):
        responder = PlaybackResponder(recordings)
    served = responder.respond(READ)
    missed = responder.respond(Call("count_deployments"))

    assert served.status == 200
    assert reason in responder.unusable["0002-read_deployment-200.json"]
    assert "0002-read_deployment-200.json is unusable: " in caplog.text
    assert missed.body["unusable"][0]["recording"] == "0002-read_deployment-200.json"
    assert "unusable: 0002-read_deployment-200.json: " in missed.body["detail"]


def test_a_link_out_of_the_directory_is_never_served(
    tmp_path: Path, recordings: Path, write: Write
) -> None:
    secret = tmp_path / "elsewhere"
    secret.mkdir()
    (secret / "0001-read_deployment-200.json").write_text(
        json.dumps(read_deployment().to_json())
    )
    (recordings / "0001-read_deployment-200.json").symlink_to(
        secret / "0001-read_deployment-200.json"
    )

    responder = PlaybackResponder(recordings)

    assert responder.respond(READ).status == 404
    assert "leads out of" in responder.unusable["0001-read_deployment-200.json"]


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="no recording directory"):
        PlaybackResponder(tmp_path / "nowhere")


def test_recorded_headers_are_replayed_except_redacted_ones(
    recordings: Path, write: Write
) -> None:
    recording = read_deployment()
    headers = {
        "content-type": "application/json",
        "x-a": "1",
        "set-cookie": "<redacted>",
    }
    write(
        "0001-read_deployment-200.json",
        dataclasses.replace(
            recording,
            response=RecordedResponse(200, headers, recording.response.body),
        ),
    )

    reply = PlaybackResponder(recordings).respond(READ)

    assert reply.headers == {"x-a": "1"}


def test_secrets_in_a_call_match_their_redacted_recording(
    recordings: Path, write: Write
) -> None:
    write(
        "0001-create_flow_run_from_deployment-201.json",
        create_flow_run({"parameters": {"api_key": "<redacted>"}}, {"ok": True}),
    )

    reply = PlaybackResponder(recordings).respond(
        flow_run_call({"parameters": {"api_key": "sk-live-123"}})
    )

    assert reply.body == {"ok": True}
