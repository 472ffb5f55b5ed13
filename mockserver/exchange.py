"""The request and answer that pass between the HTTP edge and the core.

A :class:`Call` is one request after it has been matched to an operation and
validated against its contract: path parameters, query parameters and the
parsed JSON body. A :class:`Reply` is what a responder (the stateful
semantics, playback, or generation) answers with. Neither knows about Flask,
so every responder is testable without a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

JSON = Any
"""A value as :func:`json.loads` returns it."""


@dataclass(frozen=True)
class Call:
    """A validated request for one operation.

    :param operation: the operation's name, for example ``read_deployment``.
    :param path: path parameters by name, as strings from the URL.
    :param query: query parameters by name, as strings from the URL.
    :param body: the parsed JSON body, or ``None`` when the operation takes none.
    :param headers: request headers, lower-cased names.
    """

    operation: str
    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: JSON = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """An answer to a :class:`Call`.

    :param status: the HTTP status code.
    :param body: the JSON body, or ``None`` for an empty body (204).
    :param headers: extra response headers.
    """

    status: int
    body: JSON = None
    headers: Mapping[str, str] = field(default_factory=dict)


class Responder(Protocol):
    """Anything that answers validated calls: state, playback or generation."""

    def respond(self, call: Call) -> Reply: ...
