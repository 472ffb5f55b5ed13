"""What a conformance run found: failed checks and errors, as plain data.

A :class:`Finding` is one failed check on one response, kept with what it
takes to judge and reproduce it (the operation, the status, the message and
a curl command). A :class:`RunError` is a problem that stopped a part of the
run from being checked at all: a network error, a schema the generator could
not satisfy. A :class:`SetAside` is a failure judged not to be the
implementation's (see :mod:`.reading`), kept with the reason. All are plain
data, so that reports, deviations and tests use them without Schemathesis.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Finding", "RunError", "SetAside"]


@dataclass(frozen=True)
class Finding:
    """One failed check.

    :param check: the check's name, for example ``"status_code_conformance"``.
    :param operation: the operation the request was generated for.
    :param method: the HTTP method sent, which differs from the operation's
        when the check probes an undeclared method.
    :param path: the operation's path template, for example ``"/flows/{id}"``.
    :param phase: the phase that sent it: examples, coverage, fuzzing, stateful.
    :param title: the check's one-line verdict.
    :param message: the details, as Schemathesis words them.
    :param status: the response's status code, ``None`` if there was none.
    :param curl: a curl command that sends the same request.
    """

    check: str
    operation: str
    method: str
    path: str
    phase: str
    title: str
    message: str
    status: int | None
    curl: str

    @property
    def text(self) -> str:
        """Title, message and curl command: what a deviation's ``match`` searches."""
        return f"{self.title}\n{self.message}\n{self.curl}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RunError:
    """A part of the run that could not be checked.

    :param label: what was being tested, for example ``"POST /deployments/"``.
    :param phase: the phase it happened in, if known.
    :param title: a one-line summary.
    :param message: the details.
    :param curl: a curl command for the request involved, if there was one.
    """

    label: str
    phase: str | None
    title: str
    message: str
    curl: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SetAside:
    """A failed check that is not the implementation's, and why.

    :param finding: the failure as Schemathesis reported it.
    :param reason: why it does not count, for the people reading the report.
    """

    finding: Finding
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.finding.as_dict(), "reason": self.reason}
