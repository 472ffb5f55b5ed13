"""Recording: real traffic written to files, and played back as a responder.

:class:`Recorder` forwards requests to a real Prefect server and writes each
exchange as a recording (:mod:`.recordings` describes the file format),
reporting every disagreement with the contract set as drift (:mod:`.drift`).
:class:`PlaybackResponder` answers calls from a directory of recordings.
Nothing here knows about web frameworks.
"""

from __future__ import annotations

from mockserver.recording.drift import Drift, DriftReport
from mockserver.recording.playback import PlaybackResponder
from mockserver.recording.recorder import Answer, Recorder
from mockserver.recording.recordings import (
    REDACTED,
    RecordedRequest,
    RecordedResponse,
    Recording,
    list_recordings,
    read_recording,
    recording_name,
    redact_body,
    redact_headers,
    resolve_recording,
    write_recording,
)
from mockserver.recording.routes import RouteMatch, RouteTable

__all__ = [
    "REDACTED",
    "Answer",
    "Drift",
    "DriftReport",
    "PlaybackResponder",
    "RecordedRequest",
    "RecordedResponse",
    "Recorder",
    "Recording",
    "RouteMatch",
    "RouteTable",
    "list_recordings",
    "read_recording",
    "recording_name",
    "redact_body",
    "redact_headers",
    "resolve_recording",
    "write_recording",
]
