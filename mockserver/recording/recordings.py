"""The recording file format: one request/response pair per JSON file.

A recording directory holds files named ``NNNN-OPERATION-STATUS.json``
(``0007-create_deployment-201.json``): the number keeps the order in which
the traffic happened, the rest says what the file holds at a glance. Each
file looks like this::

    {
      "format": 1,
      "prefect_version": "3.9.1",
      "operation": "read_deployment",
      "recorded_at": "2025-01-31T12:00:00.000000+00:00",
      "duration_ms": 4.2,
      "request": {"method": "GET", "path": "/api/deployments/0b5d...",
                  "path_parameters": {"id": "0b5d..."}, "query": {},
                  "headers": {"authorization": "<redacted>"}, "body": null},
      "response": {"status": 200, "headers": {"content-type": "application/json"},
                   "body": {...}},
      "drift": []
    }

``operation`` is ``null`` for a request outside the contract set. A body
that is not JSON is kept as a string under ``text`` instead of ``body``.
``drift`` lists how the exchange disagreed with the contract when it was
recorded.

Files are written atomically (a hidden temporary file in the same
directory, then :func:`os.replace`), so a reader never sees half a
recording. Secrets never reach the disk: credentials, cookies and CSRF
tokens in headers, and secret-looking fields in bodies, are replaced by
:data:`REDACTED` before writing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mockserver.errors import RecordingError
from mockserver.exchange import JSON

FORMAT = 1
"""The version of the recording file format written here."""

REDACTED = "<redacted>"
"""What a secret is replaced with."""

SUFFIX = ".json"

_NAME = re.compile(r"(\d+)-[A-Za-z0-9_]+-\d{3}\.json")
_SECRET_HEADER = re.compile(
    r"authorization|cookie|csrf|xsrf|api[-_]?key|token|secret|session", re.I
)
_SECRET_FIELD = re.compile(
    r"(?:^|_)(?:token|password|passwd|secret|api_?key|authorization)$", re.I
)
_UNRECORDED_HEADERS = frozenset(
    {
        "connection",
        "content-length",
        "date",
        "host",
        "keep-alive",
        "server",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
"""Headers that describe one connection, not the exchange, and differ every run."""


@dataclass(frozen=True)
class RecordedRequest:
    """The request half of a recording.

    :param method: the HTTP method, upper case.
    :param path: the URL path as sent, ``/api`` included.
    :param path_parameters: the operation's path parameters, by name.
    :param query: query parameters, the first value of each.
    :param headers: request headers, lower-cased names, secrets redacted.
    :param body: the JSON body, ``None`` when there was none.
    :param text: the body as text when it was not JSON.
    """

    method: str
    path: str
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: JSON = None
    text: str | None = None


@dataclass(frozen=True)
class RecordedResponse:
    """The response half of a recording.

    :param status: the HTTP status code.
    :param headers: response headers that matter to a client, lower-cased.
    :param body: the JSON body, ``None`` when empty.
    :param text: the body as text when it was not JSON.
    """

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: JSON = None
    text: str | None = None


@dataclass(frozen=True)
class Recording:
    """One recorded request/response pair.

    :param operation: the operation's name, ``None`` outside the contract set.
    :param prefect_version: the contract set the exchange was recorded against.
    :param request: what the client sent.
    :param response: what the real server answered.
    :param recorded_at: when the request arrived, ISO 8601 with offset.
    :param duration_ms: how long the real server took to answer.
    :param drift: how the exchange disagreed with its contract, one line each.
    :param name: the file name, when the recording was read from or written to
        a directory; not part of the file's content.
    """

    operation: str | None
    prefect_version: str
    request: RecordedRequest
    response: RecordedResponse
    recorded_at: str = ""
    duration_ms: float = 0.0
    drift: Sequence[str] = ()
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the file content: a JSON object in the documented layout."""
        return {
            "format": FORMAT,
            "prefect_version": self.prefect_version,
            "operation": self.operation,
            "recorded_at": self.recorded_at,
            "duration_ms": round(self.duration_ms, 3),
            "request": _request_json(self.request),
            "response": _response_json(self.response),
            "drift": list(self.drift),
        }

    @classmethod
    def from_json(cls, document: Any, name: str = "") -> Recording:
        """Build a recording from a file's parsed content.

        :raises RecordingError: when ``document`` is not a recording, naming
            every way it is not.
        """
        problems = sorted(
            _FORMAT_VALIDATOR.iter_errors(document), key=lambda e: list(e.path)
        )
        if problems:
            described = "; ".join(_describe(problem) for problem in problems)
            raise RecordingError(f"{name or 'recording'}: {described}", path=name)

        request, response = document["request"], document["response"]
        return cls(
            operation=document["operation"],
            prefect_version=document["prefect_version"],
            request=RecordedRequest(
                method=request["method"],
                path=request["path"],
                path_parameters=request.get("path_parameters", {}),
                query=request.get("query", {}),
                headers=request.get("headers", {}),
                body=request.get("body"),
                text=request.get("text"),
            ),
            response=RecordedResponse(
                status=response["status"],
                headers=response.get("headers", {}),
                body=response.get("body"),
                text=response.get("text"),
            ),
            recorded_at=document.get("recorded_at", ""),
            duration_ms=document.get("duration_ms", 0.0),
            drift=tuple(document.get("drift", ())),
            name=name,
        )


def _request_json(request: RecordedRequest) -> dict[str, Any]:
    document: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "path_parameters": dict(request.path_parameters),
        "query": dict(request.query),
        "headers": dict(request.headers),
    }
    return _with_body(document, request.body, request.text)


def _response_json(response: RecordedResponse) -> dict[str, Any]:
    document: dict[str, Any] = {
        "status": response.status,
        "headers": dict(response.headers),
    }
    return _with_body(document, response.body, response.text)


def _with_body(
    document: dict[str, Any], body: JSON, text: str | None
) -> dict[str, Any]:
    if text is not None:
        document["text"] = text
    else:
        document["body"] = body
    return document


_STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
_FORMAT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "prefect_version", "operation", "request", "response"],
    "properties": {
        "format": {"const": FORMAT},
        "prefect_version": {"type": "string"},
        "operation": {"type": ["string", "null"]},
        "recorded_at": {"type": "string"},
        "duration_ms": {"type": "number"},
        "drift": {"type": "array", "items": {"type": "string"}},
        "request": {
            "type": "object",
            "required": ["method", "path"],
            "properties": {
                "method": {"type": "string"},
                "path": {"type": "string", "pattern": "^/"},
                "path_parameters": _STRINGS,
                "query": _STRINGS,
                "headers": _STRINGS,
                "text": {"type": "string"},
            },
        },
        "response": {
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": {"type": "integer", "minimum": 100, "maximum": 599},
                "headers": _STRINGS,
                "text": {"type": "string"},
            },
        },
    },
}
_FORMAT_VALIDATOR = Draft202012Validator(_FORMAT_SCHEMA)


def _describe(error: ValidationError) -> str:
    where = ".".join(str(part) for part in error.path) or "(root)"
    return f"{where}: {error.message}"


def recording_name(sequence: int, operation: str | None, status: int) -> str:
    """Return the file name of the ``sequence``-th recording in a directory.

    >>> recording_name(7, "create_deployment", 201)
    '0007-create_deployment-201.json'
    """
    return f"{sequence:04d}-{operation or 'unmatched'}-{status}{SUFFIX}"


def next_sequence(directory: Path) -> int:
    """Return the number the next recording written to ``directory`` should take."""
    numbers = [
        int(found.group(1))
        for name in list_recordings(directory)
        if (found := _NAME.fullmatch(name))
    ]
    return max(numbers, default=0) + 1


def list_recordings(directory: Path) -> list[str]:
    """Return the names of the recording files in ``directory``, sorted.

    Hidden files (temporary files of writes in progress among them) and
    files not ending in ``.json`` are not recordings.

    :raises RecordingError: when ``directory`` cannot be listed.
    """
    try:
        entries = os.listdir(directory)
    except OSError as error:
        raise RecordingError(
            f"cannot list recordings in {str(directory)!r}: {error.strerror}",
            path=str(directory),
        ) from error
    return sorted(
        name for name in entries if name.endswith(SUFFIX) and not name.startswith(".")
    )


def resolve_recording(directory: Path, name: str) -> Path:
    """Return the path of the recording ``name`` in ``directory``.

    :raises RecordingError: when ``name`` is not a plain file name ending in
        ``.json`` (absolute, with a separator or ``..``), or is a symbolic link
        leading out of ``directory`` or into a loop.
    """
    if (
        not name.endswith(SUFFIX)
        or name in (SUFFIX, "..")
        or "/" in name
        or "\\" in name
        or "\0" in name
        or os.path.isabs(name)
        or name.startswith(".")
    ):
        raise RecordingError(
            f"recording name {name!r} must be a file name ending in {SUFFIX!r}, "
            "without directories",
            path=name,
        )

    try:
        root = directory.resolve()
        target = (root / name).resolve()
    except (OSError, RuntimeError) as error:
        # Python 3.11 reports a loop of symbolic links as RuntimeError, 3.13
        # as OSError (ELOOP).
        raise RecordingError(
            f"{name}: cannot be read: its symbolic links form a loop", path=name
        ) from error
    if target.parent != root:
        raise RecordingError(
            f"recording {name!r} leads out of {str(root)!r} (to {str(target)!r})",
            path=name,
        )
    return root / name


def read_recording(directory: Path, name: str) -> Recording:
    """Read the recording ``name`` from ``directory``.

    Only regular files are read: a FIFO, device or directory is refused
    without waiting on it.

    :raises RecordingError: when the name is unsafe (see
        :func:`resolve_recording`), the file is not a regular file or cannot
        be read, is not valid UTF-8 JSON (nested too deeply and integers too
        long for Python included), or its content is not a recording.
    """
    path = resolve_recording(directory, name)
    try:
        data = _read_regular_file(path, name)
    except OSError as error:
        raise RecordingError(
            f"{name}: cannot be read: {error.strerror}", path=name
        ) from error

    try:
        document = json.loads(data.decode("utf-8"))
    except RecursionError as error:
        raise RecordingError(
            f"{name}: not JSON: nested too deeply to read", path=name
        ) from error
    except ValueError as error:
        # Decoding, syntax, and integers past Python's digit limit.
        raise RecordingError(f"{name}: not JSON: {error}", path=name) from error
    return Recording.from_json(document, name)


def _read_regular_file(path: Path, name: str) -> bytes:
    # Checked before opening so that nothing but a regular file is opened,
    # and again on the descriptor in case the name was swapped in between;
    # O_NONBLOCK keeps even that open from waiting for a FIFO's writer.
    _require_regular(os.stat(path).st_mode, name)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    with os.fdopen(descriptor, "rb") as stream:
        _require_regular(os.fstat(descriptor).st_mode, name)
        return stream.read()


def _require_regular(mode: int, name: str) -> None:
    if not stat.S_ISREG(mode):
        raise RecordingError(
            f"{name}: cannot be read: not a regular file ({_kind(mode)})", path=name
        )


def _kind(mode: int) -> str:
    kinds = {
        stat.S_ISDIR: "a directory",
        stat.S_ISFIFO: "a FIFO",
        stat.S_ISSOCK: "a socket",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
    }
    return next((kind for test, kind in kinds.items() if test(mode)), "unknown kind")


def write_recording(directory: Path, name: str, recording: Recording) -> Path:
    """Write ``recording`` to ``directory`` as ``name``, atomically.

    The content goes to a hidden temporary file in the same directory, is
    flushed to disk, and only then renamed over ``name``: a writer killed
    half-way leaves at most a hidden ``.NAME.*.tmp`` file, never a partial
    recording.

    :returns: the path written.
    :raises RecordingError: when the name is unsafe or the file cannot be written.
    """
    target = resolve_recording(directory, name)
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as error:
        raise RecordingError(
            f"{name}: cannot be written: {error.strerror}", path=name
        ) from error

    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump(recording.to_json(), stream, indent=2, ensure_ascii=False)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Return the headers worth recording, lower-cased, with secrets redacted.

    Connection-level headers (``Host``, ``Content-Length``, ``Date``, ...)
    are dropped; credentials, cookies and CSRF tokens are kept by name with
    their value replaced by :data:`REDACTED`.
    """
    kept: dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in _UNRECORDED_HEADERS:
            continue
        kept[lowered] = REDACTED if _SECRET_HEADER.search(lowered) else value
    return kept


def redact_body(body: JSON) -> JSON:
    """Return ``body`` with the value of every secret-looking field redacted.

    A field is secret when its name is or ends in ``token``, ``password``,
    ``secret``, ``api_key`` or ``authorization`` (``csrf_token``,
    ``refresh_token``), at any depth.
    """
    if isinstance(body, dict):
        return {
            key: REDACTED
            if _SECRET_FIELD.search(key) and value is not None
            else redact_body(value)
            for key, value in body.items()
        }
    if isinstance(body, list):
        return [redact_body(item) for item in body]
    return body


__all__ = [
    "FORMAT",
    "REDACTED",
    "RecordedRequest",
    "RecordedResponse",
    "Recording",
    "list_recordings",
    "next_sequence",
    "read_recording",
    "recording_name",
    "redact_body",
    "redact_headers",
    "resolve_recording",
    "write_recording",
]
