"""Known deviations: failures a conformance run reports apart and forgives.

Some failures are known and accepted: the real server breaks its own
published contract in places, and those places are listed, each with its
reason, in a reviewable JSON file::

    {
      "prefect_version": "3.9.1",
      "deviations": [
        {
          "operation": "read_deployment",
          "check": "allow_header_conformance",
          "reason": "Starlette's Allow header names only the first route's method",
          "status": 405,
          "match": "Missing documented methods"
        }
      ]
    }

``operation`` and ``check`` are names or shell-style patterns (``read_*``,
``*``); ``status`` (optional) is the response status; ``match`` (optional)
is a regular expression searched in the failure's title, message and curl
reproduction (so it can name the request, too). A
failure matching an entry is reported under "known deviations" and does not
fail the run; an entry that matched nothing is reported as unused, so that
the file shrinks when the server is fixed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import jsonschema

from mockserver.conformance.findings import Finding
from mockserver.errors import ConformanceError

__all__ = ["Deviation", "Deviations", "load_deviations"]

FILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["deviations"],
    "additionalProperties": False,
    "properties": {
        "prefect_version": {"type": "string"},
        "description": {"type": "string"},
        "deviations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["operation", "check", "reason"],
                "additionalProperties": False,
                "properties": {
                    "operation": {"type": "string", "minLength": 1},
                    "check": {"type": "string", "minLength": 1},
                    "reason": {"type": "string", "minLength": 1},
                    "status": {"type": "integer", "minimum": 100, "maximum": 599},
                    "match": {"type": "string", "format": "regex"},
                },
            },
        },
    },
}
"""The JSON Schema a known-deviations file must satisfy."""


@dataclass(frozen=True)
class Deviation:
    """One known deviation: which failures it covers, and why they are accepted.

    :param operation: an operation name or a shell-style pattern.
    :param check: a check name or a shell-style pattern.
    :param reason: why the failure is accepted, for the people reviewing it.
    :param status: only failures with this response status, if given.
    :param match: only failures whose title, message or curl command this
        regular expression finds.
    """

    operation: str
    check: str
    reason: str
    status: int | None = None
    match: str | None = None

    def covers(self, finding: Finding) -> bool:
        """Tell whether this entry accounts for ``finding``."""
        if not fnmatchcase(finding.operation, self.operation):
            return False
        if not fnmatchcase(finding.check, self.check):
            return False
        if self.status is not None and finding.status != self.status:
            return False
        return self.match is None or re.search(self.match, finding.text) is not None

    def as_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "operation": self.operation,
            "check": self.check,
            "reason": self.reason,
        }
        if self.status is not None:
            entry["status"] = self.status
        if self.match is not None:
            entry["match"] = self.match
        return entry


@dataclass(frozen=True)
class Deviations:
    """The entries of one known-deviations file, in file order.

    :param entries: the deviations.
    :param source: where they were read from, for messages.
    """

    entries: tuple[Deviation, ...] = ()
    source: str | None = None

    def __iter__(self) -> Iterator[Deviation]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, finding: Finding) -> Deviation | None:
        """Return the first entry covering ``finding``, or ``None``."""
        return next((entry for entry in self.entries if entry.covers(finding)), None)

    def unused(self, findings: Iterable[Finding]) -> list[Deviation]:
        """Return the entries that cover none of ``findings``."""
        listed = list(findings)
        return [
            entry
            for entry in self.entries
            if not any(entry.covers(finding) for finding in listed)
        ]

    @classmethod
    def from_entries(
        cls, entries: Sequence[dict[str, Any]], source: str | None = None
    ) -> Deviations:
        """Build from parsed JSON entries, checking them against :data:`FILE_SCHEMA`.

        :raises ConformanceError: when an entry is malformed.
        """
        _validate({"deviations": list(entries)}, source)
        return cls(tuple(Deviation(**entry) for entry in entries), source)


def load_deviations(path: Path | str) -> Deviations:
    """Read a known-deviations file.

    :raises ConformanceError: when the file cannot be read, is not JSON, or
        does not satisfy :data:`FILE_SCHEMA`; the message says where.
    """
    source = str(path)
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConformanceError(
            f"cannot read known deviations {source!r}: {error.strerror}", path=source
        ) from error
    except ValueError as error:
        raise ConformanceError(
            f"known deviations {source!r} is not JSON: {error}", path=source
        ) from error

    _validate(document, source)
    return Deviations.from_entries(document["deviations"], source)


def _validate(document: Any, source: str | None) -> None:
    validator = jsonschema.Draft202012Validator(
        FILE_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    problems = sorted(
        validator.iter_errors(document), key=lambda error: [str(p) for p in error.path]
    )
    if not problems:
        return
    where = source or "known deviations"
    details = "; ".join(
        f"at {'/'.join(str(part) for part in error.path) or '(root)'}: {error.message}"
        for error in problems
    )
    raise ConformanceError(f"{where!r} is malformed: {details}", path=source)
