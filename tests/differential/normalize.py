"""Make two transcripts of one scenario comparable, then compare them.

What a server decides for itself differs between any two runs: ids,
timestamps, generated flow run names, the order of a tag set, the URL it
listens on, the scenario's unique ``{run}`` suffix. :func:`normalize` replaces
each of these with a placeholder and keeps everything else, so that
:func:`differences` reports only what a client could tell apart.

Ids are named after the place they first appear (``<id create flow
flow_id:response.body.id>``), so one extra id in an answer does not rename
every id after it. A timestamp that the scenario itself sent is kept: a
server must echo it exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .runner import Transcript

_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"
)
_GENERATED_NAME = re.compile(r"[a-z]+(-[a-z]+)+")

# Lists whose order a server does not define: Prefect 3.9.1 builds a flow
# run's tags from a Python set, and lists deleted ids in id order.
_UNORDERED = frozenset({"tags", "deleted"})
# Seconds between "now" and a run's expected start: a measurement, not data.
_MEASURED = frozenset({"estimated_start_time_delta"})


@dataclass(frozen=True)
class Difference:
    """One place where two normalized transcripts disagree.

    :param step: the step whose exchange differs.
    :param path: where in the exchange, for example ``response.body.name``.
    :param expected: the value in the first transcript (the real server's).
    :param actual: the value in the second transcript.
    """

    step: str
    path: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.step}: {self.path}: {self.expected!r} != {self.actual!r}"


def normalize(transcript: Transcript) -> list[dict[str, Any]]:
    """Return the transcript's exchanges with run-specific values replaced."""
    normalizer = _Normalizer(transcript)
    return [normalizer.exchange(exchange) for exchange in transcript.exchanges]


def differences(
    expected: list[dict[str, Any]], actual: list[dict[str, Any]]
) -> list[Difference]:
    """Compare two normalized transcripts exchange by exchange.

    Objects are compared including their key order; numbers including their
    type (``0`` is not ``0.0``), as a JSON client sees them.
    """
    found: list[Difference] = []
    for index in range(max(len(expected), len(actual))):
        left = expected[index] if index < len(expected) else None
        right = actual[index] if index < len(actual) else None
        step = (left or right or {}).get("step", f"#{index}")
        found.extend(
            Difference(step, path, mine, theirs)
            for path, mine, theirs in _compare(left, right, "")
        )
    return found


class _Normalizer:
    def __init__(self, transcript: Transcript) -> None:
        self.api_url = transcript.api_url.rstrip("/")
        self.run = transcript.run
        self.ids: dict[str, str] = {}
        self.sent = self._strings_sent(transcript)

    def exchange(self, exchange: dict[str, Any]) -> dict[str, Any]:
        step = exchange["step"]
        return {
            "step": step,
            "request": self.value(exchange["request"], f"{step}:request", None),
            "response": self.value(exchange["response"], f"{step}:response", None),
        }

    def value(self, value: Any, where: str, key: str | None) -> Any:
        if isinstance(value, dict):
            return {
                self.text(name, f"{where}.<key>"): self.value(
                    item, f"{where}.{name}", name
                )
                for name, item in value.items()
            }
        if isinstance(value, list):
            items = [
                self.value(item, f"{where}.{index}", None)
                for index, item in enumerate(value)
            ]
            return sorted(items, key=repr) if key in _UNORDERED else items
        if key in _MEASURED and isinstance(value, (int, float)):
            return "<measured>"
        if isinstance(value, str):
            return self.scalar_text(value, where, key)
        return value

    def scalar_text(self, value: str, where: str, key: str | None) -> str:
        if value not in self.sent:
            if _TIMESTAMP.fullmatch(value):
                return "<timestamp>"
            if key == "name" and _GENERATED_NAME.fullmatch(value):
                return "<generated-name>"
        return self.text(value, where)

    def text(self, value: str, where: str) -> str:
        value = value.replace(self.api_url, "<api>").replace(self.run, "<run>")
        return _UUID.sub(lambda match: self.id(match.group(0), where), value)

    def id(self, found: str, where: str) -> str:
        return self.ids.setdefault(found.lower(), f"<id {where}>")

    @staticmethod
    def _strings_sent(transcript: Transcript) -> frozenset[str]:
        sent: set[str] = set()

        def collect(value: Any) -> None:
            if isinstance(value, str):
                sent.add(value)
            elif isinstance(value, list):
                for item in value:
                    collect(item)
            elif isinstance(value, dict):
                for item in value.values():
                    collect(item)

        for exchange in transcript.exchanges:
            collect(exchange["request"].get("body"))
        return frozenset(sent)


def _compare(left: Any, right: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(left, dict) and isinstance(right, dict):
        yield from _compare_objects(left, right, path)
    elif isinstance(left, list) and isinstance(right, list):
        for index in range(max(len(left), len(right))):
            yield from _compare(
                left[index] if index < len(left) else "<absent>",
                right[index] if index < len(right) else "<absent>",
                f"{path}.{index}" if path else str(index),
            )
    elif type(left) is not type(right) or left != right:
        yield path or "<exchange>", left, right


def _compare_objects(
    left: dict[str, Any], right: dict[str, Any], path: str
) -> Iterator[tuple[str, Any, Any]]:
    for name in [*left, *(name for name in right if name not in left)]:
        where = f"{path}.{name}" if path else name
        yield from _compare(
            left.get(name, "<absent>"), right.get(name, "<absent>"), where
        )
    if list(left) != list(right) and set(left) == set(right):
        yield f"{path}.<key order>" if path else "<key order>", list(left), list(right)
