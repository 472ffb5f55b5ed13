"""A bounded record of the requests a mock server has answered.

Every request the HTTP edge answers becomes one :class:`Entry`: what came
in, which operation it matched, what went out, how long it took, and every
violation found on the way (of the request against its contract, of the
reply against its response contract). A :class:`Journal` keeps the newest
entries in arrival order and forgets the oldest once it is full, so a server
left running does not grow without bound. It is plain Python, safe to share
between the threads of a WSGI server.

An entry keeps the bodies as the bytes that crossed the wire and decodes them
when they are read: a full journal then costs what its traffic weighed, not
the several times more that decoded JSON takes, and requests nobody reads
back are never decoded. Bodies over :data:`BODY_LIMIT` are kept as a note of
their size.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from mockserver.exchange import JSON
from mockserver.validation import Violation

BODY_LIMIT = 64 * 1024
"""Bodies larger than this, in bytes, are journaled as a note of their size."""


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One answered request.

    :param sequence: position in the server's life, from 1; gaps show
        entries the journal has forgotten.
    :param time: when the request arrived (UTC).
    :param method: the HTTP method.
    :param path: the URL path, without the query string.
    :param operation: the operation the request matched, or ``None`` when it
        matched none (answered 404, 405 or 307).
    :param query: query parameters, the first value of each.
    :param request_content: the request's body as received.
    :param status: the HTTP status answered.
    :param reply_content: the body answered, as sent.
    :param duration_ms: time spent answering, in milliseconds.
    :param request_violations: how the request broke its contract.
    :param reply_violations: how the reply broke its response contract.
    :param error: the traceback of an exception raised while answering.
    """

    sequence: int = 0
    time: datetime
    method: str
    path: str
    operation: str | None
    query: Mapping[str, str] = field(default_factory=dict)
    request_content: bytes = b""
    status: int
    reply_content: bytes = b""
    duration_ms: float = 0.0
    request_violations: Sequence[Violation] = ()
    reply_violations: Sequence[Violation] = ()
    error: str | None = None

    def __post_init__(self) -> None:
        for name in ("request_content", "reply_content"):
            content = getattr(self, name)
            if len(content) > BODY_LIMIT:
                object.__setattr__(self, name, not_kept(len(content)).encode())

    @property
    def request_body(self) -> JSON:
        """The request's body parsed as JSON, else as text; ``None`` when empty."""
        return _decoded(self.request_content)

    @property
    def reply_body(self) -> JSON:
        """The body answered, parsed as JSON, else as text; ``None`` when empty."""
        return _decoded(self.reply_content)


def not_kept(size: int) -> str:
    """The note that stands for a value of ``size`` bytes too large to keep."""
    return f"<{size} bytes, more than the journal keeps>"


def _decoded(content: bytes) -> JSON:
    if not content:
        return None
    text = content.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except (RecursionError, ValueError):
        return text


class Journal:
    """A thread-safe ring of the newest :class:`Entry` objects.

    :param size: how many entries to keep; the oldest is dropped first.
    :raises ValueError: when ``size`` is below 1.
    """

    def __init__(self, size: int = 1000) -> None:
        if size < 1:
            raise ValueError(f"a journal keeps at least 1 entry, not {size!r}")
        self.size = size
        self._entries: collections.deque[Entry] = collections.deque(maxlen=size)
        self._sequence = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<Journal {len(self)}/{self.size} entries>"

    def record(self, entry: Entry) -> Entry:
        """Number ``entry`` and keep it; return it.

        An entry not numbered yet (sequence 0) is numbered in place, which
        copying it would cost a twentieth of a request; one numbered already
        is copied.
        """
        with self._lock:
            self._sequence += 1
            if entry.sequence == 0:
                object.__setattr__(entry, "sequence", self._sequence)
                numbered = entry
            else:
                numbered = dataclasses.replace(entry, sequence=self._sequence)
            self._entries.append(numbered)
        return numbered

    def entries(
        self, operation: str | None = None, status: int | None = None
    ) -> list[Entry]:
        """Return the kept entries, oldest first, optionally filtered.

        :param operation: keep only entries that matched this operation.
        :param status: keep only entries answered with this status.
        """
        with self._lock:
            kept = list(self._entries)
        return [
            entry
            for entry in kept
            if (operation is None or entry.operation == operation)
            and (status is None or entry.status == status)
        ]

    def clear(self) -> None:
        """Forget every entry; sequence numbers keep counting."""
        with self._lock:
            self._entries.clear()


__all__ = ["BODY_LIMIT", "Entry", "Journal", "not_kept"]
