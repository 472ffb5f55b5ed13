"""Answer calls from a directory of recordings.

:class:`PlaybackResponder` is a :class:`~mockserver.exchange.Responder`: the
HTTP edge validates a request into a :class:`~mockserver.exchange.Call`, and
the responder answers with the recorded reply of the recording that matches
it. A recording matches when its operation, path parameters, query
parameters and request body all equal the call's. With ``placeholders=True``
ids (UUIDs) and timestamps (ISO 8601 date-times) stand for any value of the
same kind, so traffic recorded against one database replays against calls
carrying other ids.

When several recordings match, exact matches win over matches through
placeholders; among equals the first one not yet served, in file-name order
(the order the traffic was recorded in), is served, and once all have been
the last one is served again. Replaying a session in order therefore gets
the answers it got when it was recorded: ``read_deployment`` answers 200
before ``delete_deployment`` and 404 after it.

The directory is rescanned before each call (at most every
``rescan_interval`` seconds): added, edited and removed files take effect
without a restart. Only files whose size, modification time or inode
changed are read again, and those written in the last two seconds, whose
modification time may not have ticked since. A file that cannot be used
(unreadable, not JSON, not a recording, recorded for another Prefect
version, a symbolic link leading out of the directory or into a loop, not a
regular file, or holding a reply no HTTP answer can carry) is logged by name
and skipped; the others are served. Nothing is opened but regular files, so
a FIFO among the recordings never stalls the calls waiting on the scan.

A call no recording matches is answered 404 with ``{"detail": ...}``, as the
real server answers a missing object, plus ``closest``: the nearest
recordings and why each did not match, and ``unusable``: the files skipped.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockserver.contracts import load_contract_set
from mockserver.errors import RecordingError
from mockserver.exchange import JSON, Call, Reply
from mockserver.recording.recordings import (
    REDACTED,
    RecordedResponse,
    Recording,
    list_recordings,
    read_recording,
    redact_body,
)
from mockserver.validation import Rejected, parse_call

RECORDING_HEADER = "x-mock-recording"
"""The request header that asks for one recording's reply by name."""

_log = logging.getLogger("mockserver")

CLOSEST = 3
"""How many of the nearest recordings a no-match answer names."""

_REASONS_SHOWN = 4
_SETTLE_NS = 2_000_000_000
_UUID = re.compile(
    r"(?:urn:uuid:)?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
    r"[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?"
)
# The edge sets its own content type and framing, and the WSGI server owns
# the connection (PEP 3333 forbids hop-by-hop headers); redacted values are
# no use to a client.
_UNREPLAYED_HEADERS = frozenset(
    {
        "connection",
        "content-length",
        "content-type",
        "keep-alive",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# RFC 9110 section 5: a field name is a token; a value holds no control
# characters but tab, and WSGI carries it as Latin-1.
_FIELD_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


@dataclass(frozen=True)
class _Stamp:
    size: int
    mtime_ns: int
    inode: int


@dataclass
class _Comparison:
    """How a recording compares with a call: why it differs, and how closely."""

    reasons: list[str] = field(default_factory=list)
    placeholders: int = 0

    @property
    def matches(self) -> bool:
        return not self.reasons


class PlaybackResponder:
    """Answers calls with the replies of matching recordings in ``directory``.

    :param directory: the folder of recording files (see
        :mod:`mockserver.recording.recordings`).
    :param version: the Prefect version being served; recordings of another
        version are unusable.
    :param placeholders: let ids and timestamps in path parameters, query
        parameters and bodies match any id or timestamp.
    :param rescan_interval: seconds between two scans of the directory for
        changes; 0 scans before every call.
    :raises RecordingError: when ``directory`` is not a readable folder.
    """

    def __init__(
        self,
        directory: Path | str,
        version: str = "3.9.1",
        *,
        placeholders: bool = False,
        rescan_interval: float = 0.0,
    ) -> None:
        self.directory = Path(directory)
        self.version = version
        self.placeholders = placeholders
        self.rescan_interval = rescan_interval
        if not self.directory.is_dir():
            raise RecordingError(
                f"no recording directory at {str(self.directory)!r}",
                path=str(self.directory),
            )

        self._contracts = load_contract_set(version)
        self._lock = threading.Lock()
        self._read_bodies: dict[str, JSON] = {}
        self._stamps: dict[str, _Stamp | None] = {}
        self._recordings: dict[str, Recording] = {}
        self._unusable: dict[str, str] = {}
        self._served: set[str] = set()
        self._scanned_at = float("-inf")
        with self._lock:
            self._rescan()

    @property
    def recordings(self) -> list[Recording]:
        """The usable recordings, in file-name order, as of the last scan."""
        with self._lock:
            return [self._recordings[name] for name in sorted(self._recordings)]

    @property
    def unusable(self) -> dict[str, str]:
        """Files that could not be used, by name, with the reason."""
        with self._lock:
            return dict(sorted(self._unusable.items()))

    def respond(self, call: Call) -> Reply:
        """Answer ``call`` with the recorded reply of the recording matching it.

        A request carrying ``X-Mock-Recording: NAME`` is answered with that
        recording's reply, matching or not, so a client can be shown one
        recorded example (an error, say) on demand.
        """
        wanted = _redacted(call)
        with self._lock:
            if time.monotonic() - self._scanned_at >= self.rescan_interval:
                self._rescan()
            named = call.headers.get(RECORDING_HEADER)
            if named is not None:
                return self._named(named)
            compared = [
                (recording, self._compare(recording, wanted))
                for _, recording in sorted(self._recordings.items())
            ]
            chosen = self._choose(compared)
            if chosen is not None:
                self._served.add(chosen.name)
                return _reply(chosen)
            unusable = dict(sorted(self._unusable.items()))
        return self._no_match(wanted, compared, unusable)

    def _named(self, name: str) -> Reply:
        recording = self._recordings.get(name)
        if recording is None:
            known = ", ".join(sorted(self._recordings)[:5])
            problem = self._unusable.get(name, "no such recording")
            return Reply(
                404,
                {
                    "detail": f"{RECORDING_HEADER} names {name!r}: {problem}; "
                    f"recordings include {known}"
                },
            )
        return _reply(recording)

    def _rescan(self) -> None:
        self._scanned_at = time.monotonic()
        try:
            names = list_recordings(self.directory)
        except RecordingError as error:
            _log.error("%s", error)
            return

        for gone in set(self._stamps) - set(names):
            self._forget(gone)
        # File times tick coarsely (milliseconds): a file written moments ago
        # can change again without its stamp changing, so it is read again.
        settled = time.time_ns() - _SETTLE_NS
        for name in names:
            stamp = _stamp(self.directory / name)
            unchanged = name in self._stamps and self._stamps[name] == stamp
            if unchanged and (stamp is None or stamp.mtime_ns < settled):
                continue
            self._stamps[name] = stamp
            self._load(name)

    def _forget(self, name: str) -> None:
        self._stamps.pop(name, None)
        self._recordings.pop(name, None)
        self._read_bodies.pop(name, None)
        self._unusable.pop(name, None)
        self._served.discard(name)

    def _load(self, name: str) -> None:
        previous = self._recordings.pop(name, None)
        problem = self._unusable.pop(name, None)

        loaded = self._read(name)
        if isinstance(loaded, str):
            if loaded != problem:
                _log.warning("recording %s is unusable: %s", name, loaded)
            self._unusable[name] = loaded
        else:
            self._recordings[name] = loaded
            self._read_bodies[name] = self._body_as_read(loaded)
        if loaded != previous:
            self._served.discard(name)

    def _read(self, name: str) -> Recording | str:
        """Return the recording ``name``, or why it cannot be used."""
        try:
            recording = read_recording(self.directory, name)
        except RecordingError as error:
            return str(error).removeprefix(f"{name}: ")
        if recording.prefect_version != self.version:
            return (
                f"recorded from Prefect {recording.prefect_version}, "
                f"serving {self.version}"
            )
        return _unsendable(recording.response) or recording

    def _body_as_read(self, recording: Recording) -> JSON:
        """Return the recorded body as validation hands it to a responder.

        Calls arrive coerced and prefilled (``"5"`` read as ``5``), so the
        recorded request is read the same way before the two are compared.
        """
        request = recording.request
        operation = self._contracts.operations.get(recording.operation or "")
        if operation is None or request.body is None:
            return request.body
        try:
            call = parse_call(
                self._contracts,
                operation,
                path=request.path_parameters,
                query=request.query,
                headers={},
                body=json.dumps(request.body).encode(),
            )
        except Rejected:
            return request.body
        return call.body

    def _compare(self, recording: Recording, call: Call) -> _Comparison:
        comparison = _Comparison()
        if recording.operation != call.operation:
            comparison.reasons.append(
                f"operation is {recording.operation}, not {call.operation}"
            )
            return comparison

        request = recording.request
        self._compare_values(comparison, "path", request.path_parameters, call.path)
        self._compare_values(comparison, "query", request.query, call.query)
        recorded_body = self._read_bodies.get(recording.name, request.body)
        if request.text is not None:
            recorded_body = request.text
        self._compare_values(comparison, "body", recorded_body, call.body)
        return comparison

    def _compare_values(
        self, comparison: _Comparison, where: str, recorded: JSON, got: JSON
    ) -> None:
        if isinstance(recorded, Mapping) and isinstance(got, Mapping):
            for key in sorted(set(recorded) | set(got), key=str):
                inner = f"{where}.{key}"
                if key not in got:
                    comparison.reasons.append(f"{inner}: recorded, but not in the call")
                elif key not in recorded:
                    comparison.reasons.append(f"{inner}: in the call, not recorded")
                else:
                    self._compare_values(comparison, inner, recorded[key], got[key])
            return

        if isinstance(recorded, list) and isinstance(got, list):
            if len(recorded) != len(got):
                comparison.reasons.append(
                    f"{where}: recorded {len(recorded)} items, got {len(got)}"
                )
                return
            for index, (left, right) in enumerate(zip(recorded, got, strict=True)):
                self._compare_values(comparison, f"{where}[{index}]", left, right)
            return

        if _equal(recorded, got):
            return
        if self.placeholders and _same_kind(recorded, got):
            comparison.placeholders += 1
            return
        comparison.reasons.append(f"{where}: recorded {recorded!r}, got {got!r}")

    def _choose(
        self, compared: list[tuple[Recording, _Comparison]]
    ) -> Recording | None:
        matching = [(r, c) for r, c in compared if c.matches]
        if not matching:
            return None
        fewest = min(comparison.placeholders for _, comparison in matching)
        best = [r for r, c in matching if c.placeholders == fewest]
        unserved = [
            recording for recording in best if recording.name not in self._served
        ]
        return unserved[0] if unserved else best[-1]

    def _no_match(
        self,
        call: Call,
        compared: list[tuple[Recording, _Comparison]],
        unusable: dict[str, str],
    ) -> Reply:
        same = [(r, c) for r, c in compared if r.operation == call.operation]
        closest = sorted(same, key=lambda pair: len(pair[1].reasons))[:CLOSEST]

        lines = [
            f"no recording in {str(self.directory)!r} matches this {_describe(call)}"
        ]
        if not same:
            lines.append(f"there are no usable recordings of {call.operation}")
        for recording, comparison in closest:
            shown = comparison.reasons[:_REASONS_SHOWN]
            more = len(comparison.reasons) - len(shown)
            suffix = f"; and {more} more" if more else ""
            lines.append(f"closest: {recording.name}: {'; '.join(shown)}{suffix}")
        lines.extend(f"unusable: {name}: {reason}" for name, reason in unusable.items())
        _log.warning("%s", "\n  ".join(lines))

        return Reply(
            404,
            {
                "detail": "\n".join(lines),
                "closest": [
                    {"recording": recording.name, "reasons": comparison.reasons}
                    for recording, comparison in closest
                ],
                "unusable": [
                    {"recording": name, "reason": reason}
                    for name, reason in unusable.items()
                ],
            },
        )


def _redacted(call: Call) -> Call:
    # Recordings hold bodies with secrets redacted; compare like with like.
    return Call(call.operation, call.path, call.query, redact_body(call.body), {})


def _stamp(path: Path) -> _Stamp | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return _Stamp(status.st_size, status.st_mtime_ns, status.st_ino)


def _equal(recorded: Any, got: Any) -> bool:
    if isinstance(recorded, bool) or isinstance(got, bool):
        return type(recorded) is type(got) and recorded == got
    if _is_uuid(recorded) and _is_uuid(got):
        # Prefect 3 accepts UUIDs in any case, with or without dashes.
        return uuid.UUID(recorded) == uuid.UUID(got)
    return bool(recorded == got)


def _same_kind(recorded: Any, got: Any) -> bool:
    if not (isinstance(recorded, str) and isinstance(got, str)):
        return False
    if _is_uuid(recorded) and _is_uuid(got):
        return True
    return bool(_TIMESTAMP.fullmatch(recorded) and _TIMESTAMP.fullmatch(got))


def _is_uuid(value: Any) -> bool:
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def _describe(call: Call) -> str:
    parameters = ", ".join(f"{name}={value!r}" for name, value in call.path.items())
    return f"{call.operation}({parameters}) call"


def _unsendable(response: RecordedResponse) -> str | None:
    """Return why ``response`` cannot be sent as an HTTP answer, or ``None``.

    Checked when the file is read, so that a hand-edited recording is
    reported as unusable instead of failing every call it matches.
    """
    if response.status < 200:
        # An informational status never ends an exchange; no client reads
        # it as the answer.
        return f"response.status: {response.status} is informational, not a reply"

    for name, value in _replayed_headers(response).items():
        if not _FIELD_NAME.fullmatch(name) or not _FIELD_VALUE.fullmatch(value):
            return f"response.headers: {name!r}: {value!r} is not a valid header"

    # Encoded as the edge encodes replies: strict JSON, UTF-8.
    try:
        json.dumps(response.body, ensure_ascii=False, allow_nan=False).encode()
    except (ValueError, RecursionError) as error:
        return f"response.body cannot be sent as JSON: {error}"
    return None


def _replayed_headers(response: RecordedResponse) -> dict[str, str]:
    return {
        name: value
        for name, value in response.headers.items()
        if name not in _UNREPLAYED_HEADERS and value != REDACTED
    }


def _reply(recording: Recording) -> Reply:
    response = recording.response
    return Reply(response.status, response.body, _replayed_headers(response))


__all__ = ["CLOSEST", "RECORDING_HEADER", "PlaybackResponder"]
