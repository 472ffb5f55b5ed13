"""Start and stop a real Prefect server, the reference the mock is measured against.

Tests, benchmarks and conformance runs compare the mock with the server it
imitates. :class:`ReferenceServer` runs ``prefect server start`` for one
Prefect release on a free loopback port, with its own throwaway
``PREFECT_HOME`` (and so its own SQLite database), no background services and
no traffic beyond this machine::

    with ReferenceServer("3.9.1", contracts_dir=Path("contracts")) as server:
        print(server.api_url)  # http://127.0.0.1:41877/api

The release comes from the current interpreter when it has that version of
Prefect installed, and otherwise from a cached virtual environment built by
:func:`mockserver.contracts.upstream.install_prefect`. Nothing here imports
Prefect: the server always runs in a child process.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO

from mockserver.contracts import upstream
from mockserver.errors import ReferenceServerError, SyncError

DEFAULT_VERSION = "3.9.1"
"""The Prefect release a reference server runs unless told otherwise."""

STARTUP_TIMEOUT = 90.0
"""Seconds to wait for ``/api/health`` before giving up on a server."""

_STOP_TIMEOUT = 10.0
_POLL_INTERVAL = 0.25
_LOG_TAIL_LINES = 40

# Prefect 2 has no ``--no-services`` flag: each service is switched off alone.
_PREFECT_2_SERVICES = (
    "CANCELLATION_CLEANUP",
    "FLOW_RUN_NOTIFICATIONS",
    "LATE_RUNS",
    "PAUSE_EXPIRATIONS",
    "SCHEDULER",
)


class ReferenceServer:
    """A real Prefect server on a free loopback port, started on demand.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    Stopping ends the server's whole process group and deletes its
    temporary home, database included.

    :param version: the Prefect release to run, for example ``"2.14.16"``.
    :param python: an interpreter whose ``prefect`` to run; it must have
        ``version`` installed. By default the current interpreter is used when
        it has that version, and a cached environment otherwise.
    :param contracts_dir: the repository's ``contracts/`` folder, where the
        dependency pins some releases need to install are kept.
    :param cache_dir: where installed releases are cached; see
        :func:`mockserver.contracts.upstream.default_cache_dir`.
    :param startup_timeout: seconds to wait for the server to answer.
    """

    def __init__(
        self,
        version: str = DEFAULT_VERSION,
        *,
        python: Path | None = None,
        contracts_dir: Path | None = None,
        cache_dir: Path | None = None,
        startup_timeout: float = STARTUP_TIMEOUT,
    ) -> None:
        self.version = version
        self.python = python
        self.contracts_dir = contracts_dir
        self.cache_dir = cache_dir
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.home: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def api_url(self) -> str:
        """The API root, for example ``http://127.0.0.1:41877/api``.

        :raises ReferenceServerError: when the server has not been started.
        """
        if self.port is None:
            raise ReferenceServerError(
                "the reference server is not running", version=self.version
            )
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> ReferenceServer:
        """Start the server and wait until it answers ``/api/health``.

        :returns: this server, started.
        :raises ReferenceServerError: when Prefect cannot be installed, the
            process exits, it does not answer in time, or it reports another
            version. The message ends with the tail of the server's log.
        """
        if self._process is not None:
            raise ReferenceServerError(
                "the reference server is already started", version=self.version
            )
        executable = upstream.prefect_executable(self._interpreter())

        self.port = _free_port()
        self.home = Path(tempfile.mkdtemp(prefix=f"mockserver-prefect-{self.version}-"))
        self._launch(executable, self.home, self.port)

        try:
            self._wait_until_healthy()
            self._check_version()
        except ReferenceServerError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server's process group and delete its temporary home.

        Safe to call more than once, and on a server that never started.
        """
        if self._process is not None:
            _end_process_group(self._process)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None
        self.port = None

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.api_url if self.port is not None else "stopped"
        return f"<ReferenceServer prefect {self.version} {where}>"

    def _interpreter(self) -> Path:
        if self.python is not None:
            found = upstream.installed_version(self.python)
            if found != self.version:
                raise ReferenceServerError(
                    f"{str(self.python)!r} has Prefect {found!r}, not {self.version!r}",
                    version=self.version,
                )
            return self.python

        current = Path(sys.executable)
        if upstream.installed_version(current) == self.version:
            return current

        pins = None
        if self.contracts_dir is not None:
            pins = upstream.pins_file(self.version, self.contracts_dir)
        try:
            return upstream.install_prefect(
                self.version, cache_dir=self.cache_dir, pins=pins
            )
        except SyncError as error:
            raise ReferenceServerError(str(error), version=self.version) from error

    def _launch(self, executable: Path, home: Path, port: int) -> None:
        command = [
            str(executable),
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *self._service_flags(),
        ]
        self._log = (home / "server.log").open("wb")
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=self._environment(home),
                cwd=home,
                start_new_session=True,
            )
        except OSError as error:
            self.stop()
            raise ReferenceServerError(
                f"cannot run {str(executable)!r}: {error}", version=self.version
            ) from error

    def _service_flags(self) -> list[str]:
        if self._major() >= 3:
            return ["--no-services"]
        return ["--no-scheduler", "--no-late-runs", "--no-ui", "--analytics-off"]

    def _environment(self, home: Path) -> dict[str, str]:
        # Inherited PREFECT_* settings (an API URL, a database URL, a profile)
        # would make the reference depend on whoever runs it.
        environment = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("PREFECT_")
        }
        environment.update(upstream.OFFLINE_ENVIRONMENT)
        environment["PREFECT_HOME"] = str(home)
        environment["PREFECT_SERVER_API_HOST"] = "127.0.0.1"
        if self._major() < 3:
            for service in _PREFECT_2_SERVICES:
                environment[f"PREFECT_API_SERVICES_{service}_ENABLED"] = "false"
        return environment

    def _major(self) -> int:
        head = self.version.split(".", 1)[0]
        return int(head) if head.isdigit() else 0

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise self._failure("the reference server exited during startup")
            if _answers_health(self.api_url):
                return
            time.sleep(_POLL_INTERVAL)
        raise self._failure(
            f"the reference server did not answer within {self.startup_timeout:g} s"
        )

    def _check_version(self) -> None:
        try:
            reported = upstream.server_version(self.api_url)
        except SyncError as error:
            raise self._failure(str(error)) from error
        if reported != self.version:
            raise self._failure(
                f"the reference server reports Prefect {reported!r}, "
                f"not {self.version!r}"
            )

    def _failure(self, message: str) -> ReferenceServerError:
        code = None if self._process is None else self._process.poll()
        if code is not None:
            message = f"{message} (exit status {code})"
        return ReferenceServerError(
            message, version=self.version, log_tail=self._log_tail()
        )

    def _log_tail(self) -> str:
        if self.home is None:
            return ""
        try:
            text = (self.home / "server.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-_LOG_TAIL_LINES:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers_health(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            status: int = response.status
    except OSError:
        return False
    return status == 200


def _end_process_group(process: subprocess.Popen[bytes]) -> None:
    # The server forks a uvicorn child (Prefect 2) that holds the port, so
    # the whole group must be gone, not only the process we started.
    _signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_TIMEOUT
    while time.monotonic() < deadline and _group_alive(process):
        time.sleep(_POLL_INTERVAL)
    if _group_alive(process):
        _signal_group(process.pid, signal.SIGKILL)
    process.wait()


def _group_alive(process: subprocess.Popen[bytes]) -> bool:
    process.poll()
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True


def _signal_group(group: int, sent: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sent)


__all__ = ["DEFAULT_VERSION", "STARTUP_TIMEOUT", "ReferenceServer"]
