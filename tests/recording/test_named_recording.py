"""A request can ask playback for one recording's reply by name."""

from __future__ import annotations

from pathlib import Path

from mockserver.exchange import Call
from mockserver.recording import PlaybackResponder
from mockserver.recording.playback import RECORDING_HEADER

COMMITTED = Path(__file__).parents[2] / "fixtures" / "recordings" / "prefect-3.9.1"
UNKNOWN = "11111111-2222-4333-8444-555555555555"


def test_the_named_recording_answers_whatever_the_request() -> None:
    responder = PlaybackResponder(COMMITTED)
    name = "0006-create_deployment-404.json"

    reply = responder.respond(
        Call("read_deployment", path={"id": UNKNOWN}, headers={RECORDING_HEADER: name})
    )

    assert reply.status == 404
    assert reply.body == {"detail": 'Work pool "no-such-pool" not found.'}


def test_an_unknown_name_is_refused_with_some_that_exist() -> None:
    responder = PlaybackResponder(COMMITTED)

    reply = responder.respond(
        Call(
            "read_deployment", path={"id": UNKNOWN}, headers={RECORDING_HEADER: "nope"}
        )
    )

    assert reply.status == 404
    assert "'nope': no such recording" in reply.body["detail"]
    assert "0001-" in reply.body["detail"]
