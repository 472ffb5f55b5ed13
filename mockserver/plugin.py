"""The pytest plugin: a mock Prefect server for every test that asks for one.

Installed with mockserver and registered through the ``pytest11`` entry
point, it provides the ``prefect_mock`` fixture::

    def test_nightly_run(prefect_mock):
        prefect_mock.preload(flow_graph(flow="etl", deployments=["nightly"]))

        run_deployment("etl/nightly", parameters={"x": 3}, timeout=0)

        prefect_mock.assert_called(
            "create_flow_run_from_deployment", parameters={"x": 3}
        )

The server runs on a thread of the test process, on a free loopback port;
it starts once per session (once per worker under pytest-xdist, since each
worker is its own process) and each test starts from an empty state and an
empty journal. A test that uses the fixture is pointed at the mock:

- ``PREFECT_API_URL`` is set in the environment, for the Prefect CLI and
  any child process the test starts;
- when ``prefect`` is already imported, its process-wide settings, which it
  reads from the environment once at import, are pointed at the mock too:
  the settings in force are copied with the mock's URL (once per session)
  and installed as both the current and the global settings context, the
  way ``prefect_test_harness`` installs its own. Nothing is imported here:
  without ``prefect``, only the variable is set.

After the test both are restored.

Options:

- ``--mockserver-seed=N`` (default 0): the base of every test's seed. Each
  test's seed is derived from it and the test's id, so a test gets the same
  ids, names and generated data however the suite is ordered, selected or
  spread across workers. A failing test reports its seed in a
  ``mockserver`` section.
- ``mockserver_prefect_version`` (ini, default ``3.9.1``): the Prefect
  release to imitate.
- ``@pytest.mark.prefect_mock(version=..., lifecycle=..., seed=...,
  step_delay=..., recordings=..., placeholders=...)``: per-test settings;
  ``recordings`` (relative to the test file) answers from recordings
  instead of the stateful server.

If the mock server fails while answering (a defect in mockserver, answered
400 to the client), the test fails with :class:`~mockserver.errors.ServerFailure`
carrying the server-side traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# pytest loads this plugin in every session, so the heavy modules wait:
# jsonschema and Faker until a test first asks for the fixture, Flask until
# a test calls the control API over HTTP.
if TYPE_CHECKING:
    from mockserver.app import MockService
    from mockserver.contracts import ContractSet
    from mockserver.exchange import Call, Reply, Responder
    from mockserver.journal import Entry, Journal
    from mockserver.serve import ServerThread
    from mockserver.state import Lifecycle, StatefulResponder

JSON = Any
FixtureSource = Mapping[str, Sequence[Mapping[str, JSON]]] | str | os.PathLike[str]
"""What :meth:`PrefectMock.preload` takes: objects by kind, or a fixture file."""

DEFAULT_VERSION = "3.9.1"
DEFAULT_STEP_DELAY = 0.1
"""Seconds between lifecycle moves: short, so that waiting tests stay fast."""

JOURNAL_SIZE = 10_000

__all__ = [
    "DEFAULT_STEP_DELAY",
    "DEFAULT_VERSION",
    "MARKER_SETTINGS",
    "FixtureSource",
    "PrefectMock",
    "prefect_mock",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockserver", "mock Prefect server (prefect_mock)")
    group.addoption(
        "--mockserver-seed",
        type=int,
        default=0,
        metavar="N",
        help="base of each test's prefect_mock seed, which is derived from it "
        "and the test id (default: 0)",
    )
    parser.addini(
        "mockserver_prefect_version",
        default=DEFAULT_VERSION,
        help="the Prefect release prefect_mock imitates (default: 3.9.1)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "prefect_mock(version=None, lifecycle=None, seed=None, step_delay=None, "
        "recordings=None, placeholders=False): settings of this test's "
        "prefect_mock fixture",
    )


class _Switch:
    """A responder that forwards to the responder of the current test."""

    def __init__(self, target: Responder) -> None:
        self.target = target

    def respond(self, call: Call) -> Reply:
        return self.target.respond(call)


@dataclass
class _Server:
    """One version's mock service and the thread serving it."""

    version: str
    contracts: ContractSet
    service: MockService
    switch: _Switch
    thread: ServerThread

    @classmethod
    def start(cls, version: str) -> _Server:
        from mockserver.app import create_service
        from mockserver.contracts import load_contract_set
        from mockserver.serve import ServerThread
        from mockserver.state import StatefulResponder

        switch = _Switch(StatefulResponder(version))
        service = create_service(version, responder=switch, journal_size=JOURNAL_SIZE)
        thread = ServerThread(service)
        thread.start()
        return cls(version, load_contract_set(version), service, switch, thread)

    @property
    def journal(self) -> Journal:
        return self.service.journal


class _Servers:
    """The servers of one session, started when a version is first asked for."""

    def __init__(self) -> None:
        self._running: dict[str, _Server] = {}

    def get(self, version: str) -> _Server:
        if version not in self._running:
            self._running[version] = _Server.start(version)
        return self._running[version]

    def stop(self) -> None:
        for server in self._running.values():
            server.thread.stop()
        self._running.clear()


class PrefectMock:
    """A mock Prefect server, reset for the current test.

    :param server: the running server (see the ``prefect_mock`` fixture).
    :param seed: seeds the ids and names the server mints.
    :param lifecycle: what new flow runs do: ``"hold"``, ``"complete"`` or
        ``"fail"``.
    :param step_delay: seconds between lifecycle moves.
    """

    def __init__(
        self,
        server: _Server,
        *,
        seed: int = 0,
        lifecycle: Lifecycle = "hold",
        step_delay: float = DEFAULT_STEP_DELAY,
    ) -> None:
        self._server = server
        self.seed = seed
        self._lifecycle: Lifecycle = lifecycle
        self._step_delay = step_delay
        self.reset()

    def __repr__(self) -> str:
        return f"<PrefectMock {self.api_url} Prefect {self.version} seed={self.seed}>"

    @property
    def api_url(self) -> str:
        """What ``PREFECT_API_URL`` is set to: ``http://127.0.0.1:PORT/api``."""
        return self._server.thread.api_url

    @property
    def version(self) -> str:
        """The Prefect release the server imitates."""
        return self._server.version

    @property
    def responder(self) -> Responder:
        """What answers this test's requests: the state, or a playback."""
        return self._server.switch.target

    @property
    def state(self) -> StatefulResponder:
        """The stateful responder, to drive runs or read objects directly.

        :raises RuntimeError: while recordings are played back.
        """
        from mockserver.state import StatefulResponder

        responder = self.responder
        if not isinstance(responder, StatefulResponder):
            raise RuntimeError("prefect_mock plays back recordings: it has no state")
        return responder

    @property
    def lifecycle(self) -> Lifecycle:
        """What flow runs created from now on do; settable."""
        return self._lifecycle

    @lifecycle.setter
    def lifecycle(self, value: Lifecycle) -> None:
        from mockserver.state import LIFECYCLES

        if value not in LIFECYCLES:
            raise ValueError(
                f"unknown lifecycle {value!r}; expected one of {LIFECYCLES}"
            )
        self.state.lifecycle = value
        self._lifecycle = value

    @property
    def step_delay(self) -> float:
        """Seconds between lifecycle moves of runs created from now on; settable."""
        return self._step_delay

    @step_delay.setter
    def step_delay(self, value: float) -> None:
        self.state.step_delay = value
        self._step_delay = value

    @property
    def journal(self) -> list[Entry]:
        """Every request answered since the last reset, oldest first."""
        return self._server.journal.entries()

    def reset(self) -> None:
        """Start again from an empty state and journal, with this mock's seed."""
        from mockserver.state import StatefulResponder

        self._server.switch.target = StatefulResponder(
            self.version,
            lifecycle=self._lifecycle,
            seed=self.seed,
            step_delay=self._step_delay,
        )
        self._server.journal.clear()

    def preload(self, *sources: FixtureSource, **objects: Sequence[JSON]) -> None:
        """Add flows, work pools, deployments and flow runs to the state.

        Each source is a mapping of lists by kind (``flows``, ``work_pools``,
        ``deployments``, ``flow_runs``), such as a
        :class:`~mockserver.fixtures.FixtureSet` from
        :func:`~mockserver.fixtures.flow_graph`, or the path of a fixture
        file holding one as JSON. Keyword arguments add lists by kind.
        Objects keep their ids, times and states; flow runs then follow the
        lifecycle.

        :raises ValueError: for an unknown kind or a malformed fixture file.
        :raises OperationRefused: 409 for an id that is already loaded.
        """
        merged: dict[str, list[JSON]] = {}
        for source in (*sources, objects):
            for kind, items in _fixture_objects(source).items():
                merged.setdefault(kind, []).extend(items)
        self.state.preload(merged)

    def play(
        self, directory: str | os.PathLike[str], *, placeholders: bool = False
    ) -> None:
        """Answer from the recordings in ``directory`` until the next reset.

        :param placeholders: let ids and timestamps match any of their kind.
        :raises RecordingError: when ``directory`` is not a folder.
        """
        from mockserver.recording import PlaybackResponder

        self.respond_with(
            PlaybackResponder(Path(directory), self.version, placeholders=placeholders)
        )

    def respond_with(self, responder: Responder) -> None:
        """Answer with ``responder`` until the next reset.

        Any object with a ``respond(call) -> Reply`` method will do: a
        :class:`~mockserver.state.StatefulResponder` of your own, a
        :class:`~mockserver.recording.PlaybackResponder`, or one that
        injects failures.
        """
        self._server.switch.target = responder

    def advance(self, run_id: str) -> JSON:
        """Move a flow run one state on; see :meth:`StatefulResponder.advance`."""
        return self.state.advance(run_id)

    def complete(self, run_id: str) -> JSON:
        """Move a flow run on to COMPLETED."""
        return self.state.complete(run_id)

    def fail(self, run_id: str, message: str | None = None) -> JSON:
        """Move a flow run on to FAILED."""
        return self.state.fail(run_id, message)

    def calls(self, operation: str, /, **match: JSON) -> list[Entry]:
        """Return the requests for ``operation`` that have every field of ``match``.

        Fields are matched as :mod:`mockserver.assertions` describes.

        :raises UnknownOperation: when the version has no such operation.
        """
        from mockserver.assertions import find_calls

        return find_calls(self.journal, self._server.contracts, operation, match)

    def assert_called(self, operation: str, /, **match: JSON) -> list[Entry]:
        """Return the matching requests; fail when there is none.

        ``prefect_mock.assert_called("create_flow_run_from_deployment",
        deployment_id=deployment_id, parameters={"x": 3})``

        :raises AssertionError: listing the requests made and how each differed.
        """
        from mockserver.assertions import assert_called

        __tracebackhide__ = True
        return assert_called(self.journal, self._server.contracts, operation, **match)

    def assert_not_called(self, operation: str, /, **match: JSON) -> None:
        """Fail when some request for ``operation`` has every field of ``match``."""
        from mockserver.assertions import assert_not_called

        __tracebackhide__ = True
        assert_not_called(self.journal, self._server.contracts, operation, **match)

    def raise_server_failures(self) -> None:
        """Raise when answering some request of this test raised in the server.

        :raises ServerFailure: with each failed request and its traceback.
        """
        from mockserver.errors import ServerFailure

        __tracebackhide__ = True
        failures = [
            (f"{entry.method} {entry.path} ({entry.operation or '-'})", entry.error)
            for entry in self.journal
            if entry.error is not None
        ]
        if failures:
            raise ServerFailure(failures)


def _fixture_objects(source: FixtureSource) -> Mapping[str, Sequence[JSON]]:
    if isinstance(source, str | os.PathLike):
        from mockserver.fixtures import read_fixture_set

        return read_fixture_set(source)
    return source


MARKER_SETTINGS = frozenset(
    {"version", "lifecycle", "seed", "step_delay", "recordings", "placeholders"}
)
"""What ``@pytest.mark.prefect_mock(...)`` accepts."""


@dataclass(frozen=True)
class _Options:
    version: str
    lifecycle: Lifecycle
    seed: int
    seed_origin: str
    step_delay: float
    recordings: Path | None
    placeholders: bool


def _options(request: pytest.FixtureRequest) -> _Options:
    marker = request.node.get_closest_marker("prefect_mock")
    settings: dict[str, Any] = dict(marker.kwargs) if marker else {}
    unknown = sorted(set(settings) - MARKER_SETTINGS)
    if unknown:
        raise pytest.UsageError(f"unknown prefect_mock marker settings {unknown!r}")

    base = request.config.getoption("mockserver_seed")
    seed = settings.get("seed")
    origin = f"set by @pytest.mark.prefect_mock(seed={seed!r})"
    if seed is None:
        seed = _test_seed(base, request.node.nodeid)
        origin = f"derived from --mockserver-seed={base} and the test id"

    recordings = settings.get("recordings")
    return _Options(
        version=settings.get("version")
        or request.config.getini("mockserver_prefect_version"),
        lifecycle=settings.get("lifecycle") or "hold",
        seed=seed,
        seed_origin=origin,
        step_delay=settings.get("step_delay", DEFAULT_STEP_DELAY),
        recordings=None if recordings is None else request.path.parent / recordings,
        placeholders=bool(settings.get("placeholders", False)),
    )


def _test_seed(base: int, test_id: str) -> int:
    digest = hashlib.sha256(f"{base}/{test_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


class _PrefectSettings:
    """Points an imported ``prefect`` at the mock for one test.

    Prefect reads its settings from the environment once, when
    ``prefect.context`` is imported, and keeps them in a global context;
    setting ``PREFECT_API_URL`` afterwards changes nothing. Copying the
    settings costs tens of milliseconds, so each copy is kept for as long as
    the settings it was made from stay in force.
    """

    def __init__(self) -> None:
        self._copies: dict[tuple[int, str], tuple[Any, Any]] = {}

    @contextlib.contextmanager
    def pointed_at(self, api_url: str) -> Iterator[None]:
        context: Any = sys.modules.get("prefect.context")
        settings: Any = sys.modules.get("prefect.settings")
        if context is None or settings is None:
            yield
            return

        pointed = self._pointed_context(context, settings, api_url)
        previous = context.GLOBAL_SETTINGS_CONTEXT
        context.GLOBAL_SETTINGS_CONTEXT = pointed
        try:
            with pointed:
                yield
        finally:
            context.GLOBAL_SETTINGS_CONTEXT = previous

    def _pointed_context(self, context: Any, settings: Any, api_url: str) -> Any:
        current = context.SettingsContext.get()
        key = (id(current.settings), api_url)
        known = self._copies.get(key)
        if known is not None and known[0] is current.settings:
            return known[1]

        updated = current.settings.copy_with_update(
            updates={settings.PREFECT_API_URL: api_url}
        )
        pointed = context.SettingsContext(profile=current.profile, settings=updated)
        # The source is kept with its copy, so its id cannot be reused.
        self._copies[key] = (current.settings, pointed)
        return pointed

    @staticmethod
    def forget_environment() -> None:
        """Re-read prefect's global settings after the environment was restored.

        Needed when the test imported ``prefect`` itself: the settings it
        read at import name the mock.
        """
        context: Any = sys.modules.get("prefect.context")
        if context is None:
            return
        refresh = getattr(context, "refresh_global_settings_context", None)
        if refresh is not None:
            refresh()
        else:
            context.GLOBAL_SETTINGS_CONTEXT = context.root_settings_context()


_MOCK = pytest.StashKey["PrefectMock"]()
_SEED_ORIGIN = pytest.StashKey[str]()
_SETTINGS = _PrefectSettings()


@pytest.fixture(scope="session")
def _prefect_mock_servers() -> Iterator[_Servers]:
    servers = _Servers()
    yield servers
    servers.stop()


@pytest.fixture
def prefect_mock(
    request: pytest.FixtureRequest, _prefect_mock_servers: _Servers
) -> Iterator[PrefectMock]:
    """A mock Prefect server, empty for this test, that Prefect clients talk to."""
    options = _options(request)
    mock = PrefectMock(
        _prefect_mock_servers.get(options.version),
        seed=options.seed,
        lifecycle=options.lifecycle,
        step_delay=options.step_delay,
    )
    if options.recordings is not None:
        mock.play(options.recordings, placeholders=options.placeholders)
    request.node.stash[_MOCK] = mock
    request.node.stash[_SEED_ORIGIN] = options.seed_origin

    imported_before = "prefect.context" in sys.modules
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PREFECT_API_URL", mock.api_url)
        with _SETTINGS.pointed_at(mock.api_url):
            yield mock
    if not imported_before:
        _SETTINGS.forget_environment()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    __tracebackhide__ = True
    try:
        yield
    except BaseException as error:
        mock = item.stash.get(_MOCK, None)
        if mock is not None:
            _note_server_failures(error, mock)
        raise
    mock = item.stash.get(_MOCK, None)
    if mock is not None:
        mock.raise_server_failures()


def _note_server_failures(error: BaseException, mock: PrefectMock) -> None:
    try:
        mock.raise_server_failures()
    except Exception as failure:
        error.add_note(f"and meanwhile {failure}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    mock = item.stash.get(_MOCK, None)
    if mock is not None and report.failed:
        origin = item.stash.get(_SEED_ORIGIN, "")
        report.sections.append(
            ("mockserver", f"prefect_mock seed: {mock.seed} ({origin})")
        )
    return report
