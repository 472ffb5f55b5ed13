"""The exceptions mockserver raises.

Every exception derives from one root, so ``except MockserverError`` catches
anything this package raises on purpose::

    MockserverError
    ├── ContractError             a contract set is missing, malformed or inconsistent
    │   ├── UnknownVersion        no contract set for the Prefect version asked for
    │   ├── UnknownOperation      no operation of that name in the contract set
    │   └── UnknownSchema         no schema of that name in the contract set
    ├── SyncError                 the upstream OpenAPI document could not be obtained
    ├── GenerationError           a schema cannot be instantiated
    ├── RecordingError            a recording is unreadable or escapes its directory
    ├── OperationRefused          the state refuses a call as Prefect does (404, 409)
    ├── ReferenceServerError      a real Prefect server could not be started
    ├── ServerFailure             the mock server failed to answer a test's request
    ├── FaultError                a fault rule or fault file is malformed
    └── ConformanceError          a conformance run cannot start (bad deviations file)

Context is kept on attributes as well as in the message, so callers can act
on the failure without parsing text.
"""

from __future__ import annotations

from collections.abc import Sequence


class MockserverError(Exception):
    """Root of every exception raised by mockserver."""


class ContractError(MockserverError):
    """A contract set is missing, malformed or inconsistent."""


class UnknownVersion(ContractError):
    """No contract set exists for the requested Prefect version."""

    def __init__(self, version: str, available: Sequence[str]) -> None:
        self.version = version
        self.available = tuple(available)
        super().__init__(
            f"no contract set for Prefect {version!r}; "
            f"available: {', '.join(self.available) or 'none'}"
        )


class UnknownOperation(ContractError):
    """The contract set has no operation of the requested name."""

    def __init__(self, name: str, version: str, candidates: Sequence[str]) -> None:
        self.name = name
        self.version = version
        self.candidates = tuple(candidates)
        hint = f"; did you mean {', '.join(self.candidates)}?" if candidates else ""
        super().__init__(f"no operation {name!r} in contract set {version}{hint}")


class UnknownSchema(ContractError):
    """The contract set has no schema of the requested name."""

    def __init__(self, name: str, version: str, candidates: Sequence[str]) -> None:
        self.name = name
        self.version = version
        self.candidates = tuple(candidates)
        hint = f"; did you mean {', '.join(self.candidates)}?" if candidates else ""
        super().__init__(f"no schema {name!r} in contract set {version}{hint}")


class SyncError(MockserverError):
    """Prefect's upstream OpenAPI document could not be obtained or extracted."""


class GenerationError(MockserverError):
    """A schema cannot be turned into an instance."""

    def __init__(self, message: str, *, schema_path: Sequence[str] = ()) -> None:
        self.schema_path = tuple(schema_path)
        super().__init__(message)


class RecordingError(MockserverError):
    """A recording cannot be read, written or located safely."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        super().__init__(message)


class OperationRefused(MockserverError):
    """The state layer refuses an operation the way the real server does.

    Carries the HTTP status and JSON body Prefect answers with, for example
    404 ``{"detail": "Deployment not found"}``, so the responder can turn it
    into a reply and the operator API into its own error.

    :param key: the body's one key, when it is not ``detail``.
    :param body: the whole body, when it is not a one-key object.
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        key: str = "detail",
        body: object = None,
    ) -> None:
        self.status = status
        self.detail = detail
        self.body = {key: detail} if body is None else body
        super().__init__(f"{status}: {detail}")


class ReferenceServerError(MockserverError):
    """A real Prefect server, the reference, could not be started or verified.

    :param version: the Prefect version that was asked for.
    :param log_tail: the last lines the server process wrote, empty when it
        never ran.
    """

    def __init__(self, message: str, *, version: str, log_tail: str = "") -> None:
        self.version = version
        self.log_tail = log_tail
        suffix = (
            f"\n--- last lines of the server log ---\n{log_tail}" if log_tail else ""
        )
        super().__init__(f"{message}{suffix}")


class FaultError(MockserverError):
    """A fault rule, or a file of them, cannot be used.

    :param path: the file at fault, if any.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        super().__init__(message)


class ServerFailure(MockserverError):
    """The mock server failed while answering requests a test made.

    A defect in mockserver rather than in the code under test: the client
    was answered 400 and the traceback kept in the journal.

    :param failures: ``(request, traceback)`` pairs, the request as
        ``"METHOD /path (operation)"``.
    """

    def __init__(self, failures: Sequence[tuple[str, str]]) -> None:
        self.failures = tuple(failures)
        parts = [f"{request}:\n{trace}" for request, trace in self.failures]
        super().__init__(
            f"the mock server failed to answer {len(parts)} request(s):\n\n"
            + "\n\n".join(parts)
        )


class ConformanceError(MockserverError):
    """A conformance run cannot start, for example over a malformed deviations file.

    :param path: the file at fault, if any.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        super().__init__(message)
