"""The servers measured: mockserver and the peers it is compared with.

Each :class:`Subject` is launched afresh in every round, answers the same
three requests (read a deployment, create a flow run from it with a valid
body, and with an invalid one) and is stopped again:

- ``mockserver``: ``mockserver serve`` at warning log level, on its default
  server (httptools);
- ``mockserver-waitress``: ``mockserver serve --server waitress``, the
  thread-per-request server it ran on before, for the gain of the default;
- ``mockserver-granian``: ``mockserver serve --server granian``, the opt-in
  server (when granian is installed);
- ``prism``: Stoplight Prism in static mode, fed mockserver's assembled
  OpenAPI document (its paths under ``/api``, where the mock serves them);
- ``wiremock``: WireMock's standalone jar on the machine's Java, with a stub
  per endpoint and a JSON Schema body matcher holding mockserver's
  ``create_flow_run_from_deployment`` request schema;
- ``prefect``: a real Prefect server on SQLite, started by
  :class:`mockserver.reference.ReferenceServer`.

The peers are installed on first use: Prism and WireMock with npm into
``.cache/bench-peers``, Java and Node with apt-get when missing and root.
Nothing of theirs is committed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver.reference import ReferenceServer

__all__ = [
    "SUBJECTS",
    "Exchanges",
    "GranianMockSubject",
    "MockSubject",
    "PrefectSubject",
    "PrismSubject",
    "StatefulSubject",
    "Subject",
    "WaitressMockSubject",
    "WireMockSubject",
    "group_rss",
    "peer_versions",
]

ROOT = Path(__file__).resolve().parents[1]
PEERS_DIR = ROOT / ".cache" / "bench-peers"
NPM_PACKAGES = ("@stoplight/prism-cli@5", "wiremock@3")
DEPLOYMENT_ID = "40686597-8f53-49e5-94b7-5b04446a39c2"
"""The deployment the stateless peers pretend to hold (the seed's)."""

_STARTUP_TIMEOUT = 120.0
_POLL = 0.01


@dataclass(frozen=True)
class Exchanges:
    """What the mock answers, taken once to give the static peers the same bodies.

    :param deployment: the ``read_deployment`` answer.
    :param flow_run: the ``create_flow_run_from_deployment`` answer.
    :param rejection: the 422 answer to the invalid body.
    :param request_schema: the request schema, with every reference inlined.
    """

    deployment: Any
    flow_run: Any
    rejection: Any
    request_schema: Any


class Subject:
    """A server launched, loaded and stopped once per round."""

    name = ""
    label = ""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> float:
        """Start the server; return the seconds until its first HTTP answer."""
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self.workdir(),
        )
        _wait_for_answer(self.base + "/api/health", self.process)
        return time.perf_counter() - started

    def command(self) -> list[str]:
        raise NotImplementedError

    def workdir(self) -> Path | None:
        return None

    def deployment(self) -> str:
        """Return the id of a deployment the server holds, creating one if needed."""
        return DEPLOYMENT_ID

    def rss(self) -> int:
        """Resident memory of the server's whole process group, in bytes."""
        return group_rss(self.pid())

    def runs_held(self) -> int | None:
        """How many flow runs the server holds, when it keeps them at all."""
        return None

    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None:
            _end_group(self.process)
            self.process = None


class StatefulSubject(Subject):
    """A server of Prefect's API that keeps what it is sent: mock or real."""

    def deployment(self) -> str:
        return create_deployment(self.base)

    def runs_held(self) -> int:
        return count_flow_runs(self.base)


class MockSubject(StatefulSubject):
    """``mockserver serve``, as a user starts it (log level warning)."""

    name = "mockserver"
    label = "mockserver"

    def command(self) -> list[str]:
        # Warnings only, as the peers are run: a log line per request costs.
        return [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]


class WaitressMockSubject(MockSubject):
    """``mockserver serve --server waitress``, a request per thread."""

    name = "mockserver-waitress"
    label = "mockserver on waitress"

    def command(self) -> list[str]:
        return [*super().command(), "--server", "waitress"]


class GranianMockSubject(MockSubject):
    """``mockserver serve --server granian``, the opt-in server."""

    name = "mockserver-granian"
    label = "mockserver on granian"

    def command(self) -> list[str]:
        return [*super().command(), "--server", "granian"]


class PrismSubject(Subject):
    """Stoplight Prism's mock in static mode, on mockserver's OpenAPI document."""

    name = "prism"
    label = "Prism (static)"

    def __init__(self, port: int, document: Path) -> None:
        super().__init__(port)
        self.document = document

    def command(self) -> list[str]:
        prism = PEERS_DIR / "node_modules" / ".bin" / "prism"
        return [
            str(prism),
            "mock",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            # Quiet, as the other servers are: per-request logging costs.
            "-v",
            "error",
            str(self.document),
        ]


class WireMockSubject(Subject):
    """WireMock's standalone jar with stubs for the same three endpoints."""

    name = "wiremock"
    label = "WireMock (schema matcher)"

    def __init__(self, port: int, root_dir: Path) -> None:
        super().__init__(port)
        self.root_dir = root_dir

    def command(self) -> list[str]:
        return [
            _java(),
            "-jar",
            str(wiremock_jar()),
            "--port",
            str(self.port),
            "--bind-address",
            "127.0.0.1",
            "--root-dir",
            str(self.root_dir),
            "--disable-banner",
            # The mock's journal keeps 1000 exchanges: the same bound here.
            "--max-request-journal-entries",
            "1000",
        ]


class PrefectSubject(StatefulSubject):
    """A real Prefect 3.9.1 server on SQLite, with no services."""

    name = "prefect"
    label = "Prefect 3.9.1 (real)"

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.server: ReferenceServer | None = None

    def launch(self) -> float:
        # ReferenceServer picks its own free port and polls /api/health every
        # 0.25 s, which bounds the error of this figure.
        started = time.perf_counter()
        self.server = ReferenceServer("3.9.1", contracts_dir=ROOT / "contracts")
        self.server.start()
        elapsed = time.perf_counter() - started
        assert self.server.port is not None
        self.port = self.server.port
        return elapsed

    def pid(self) -> int:
        process = self.server._process if self.server is not None else None
        if process is None:
            raise RuntimeError("the Prefect server is not running")
        return process.pid

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


SUBJECTS = (
    "mockserver",
    "mockserver-waitress",
    "mockserver-granian",
    "prism",
    "wiremock",
    "prefect",
)


def count_flow_runs(base: str) -> int:
    """Ask a Prefect API (real or mock) how many flow runs it holds."""
    count: int = _post_json(f"{base}/api/flow_runs/count", {})
    return count


def create_deployment(base: str) -> str:
    """Create a flow and a deployment of it over HTTP; return the deployment's id."""
    flow = _post_json(f"{base}/api/flows/", {"name": "bench-flow"})
    deployment = _post_json(
        f"{base}/api/deployments/", {"name": "bench", "flow_id": flow["id"]}
    )
    return str(deployment["id"])


def ensure_peers(names: set[str]) -> None:
    """Install what the chosen peers need: Node, Java, and the npm packages.

    :raises RuntimeError: when a tool is missing and cannot be installed.
    """
    if names & {"prism", "wiremock"}:
        _ensure_tool("npm", ["nodejs", "npm"])
        if not (PEERS_DIR / "node_modules" / ".bin" / "prism").exists() or not list(
            (PEERS_DIR / "node_modules" / "wiremock" / "build").glob("*.jar")
        ):
            PEERS_DIR.mkdir(parents=True, exist_ok=True)
            install = ["npm", "install", "--no-audit", "--no-fund"]
            subprocess.run(
                [*install, "--prefix", str(PEERS_DIR), *NPM_PACKAGES],
                cwd=PEERS_DIR,
                check=True,
                capture_output=True,
                timeout=600,
            )
    if "wiremock" in names:
        _ensure_tool("java", ["openjdk-17-jre-headless"])


def wiremock_jar() -> Path:
    """The standalone jar the npm package ``wiremock`` ships."""
    jars = sorted((PEERS_DIR / "node_modules" / "wiremock" / "build").glob("*.jar"))
    if not jars:
        raise RuntimeError("WireMock is not installed; run with the wiremock peer")
    return jars[-1]


def write_prism_document(document: dict[str, Any], folder: Path) -> Path:
    """Write the OpenAPI document for Prism, its paths moved under ``/api``.

    Prism ignores the path of a relative ``servers`` URL, so the document's
    ``/api`` base is written into each path instead.
    """
    moved = dict(document)
    moved.pop("servers", None)
    moved["paths"] = {"/api" + path: item for path, item in document["paths"].items()}
    target = folder / "openapi.json"
    target.write_text(json.dumps(moved))
    return target


def write_wiremock_stubs(exchanges: Exchanges, folder: Path) -> Path:
    """Write WireMock's mappings for the three endpoints and health."""
    deployment = "/api/deployments/[0-9a-fA-F-]{36}"
    stubs = [
        _stub("GET", "/api/health", 200, True),
        _stub("GET", deployment, 200, exchanges.deployment),
        {
            **_stub("POST", deployment + "/create_flow_run", 201, exchanges.flow_run),
            "priority": 1,
        },
        {
            **_stub("POST", deployment + "/create_flow_run", 422, exchanges.rejection),
            "priority": 2,
        },
    ]
    stubs[2]["request"]["bodyPatterns"] = [
        {
            "matchesJsonSchema": exchanges.request_schema,
            "schemaVersion": "V202012",
        }
    ]
    mappings = folder / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    (folder / "__files").mkdir(exist_ok=True)
    (mappings / "stubs.json").write_text(json.dumps({"mappings": stubs}))
    return folder


def _stub(method: str, pattern: str, status: int, body: Any) -> dict[str, Any]:
    return {
        "request": {"method": method, "urlPathPattern": pattern},
        "response": {
            "status": status,
            "headers": {"content-type": "application/json"},
            "jsonBody": body,
        },
    }


def peer_versions(names: set[str]) -> dict[str, str]:
    """Return the version of each peer and tool used, for the report."""
    versions: dict[str, str] = {}
    if names & {"prism", "wiremock"}:
        versions["node"] = _output(["node", "--version"])
    if "prism" in names:
        prism = PEERS_DIR / "node_modules" / ".bin" / "prism"
        versions["prism"] = _output([str(prism), "--version"])
    if "wiremock" in names:
        versions["wiremock"] = wiremock_jar().name.removesuffix(".jar")
        versions["java"] = _output([_java(), "-version"]).splitlines()[0]
    return versions


def group_rss(group: int) -> int:
    """Sum the resident memory of every process in a process group, in bytes."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != group:
                continue
            status = (entry / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def _post_json(url: str, body: Any) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _wait_for_answer(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # any status is an answer
        except OSError:
            time.sleep(_POLL)
    raise RuntimeError(f"no answer from {url} within {_STARTUP_TIMEOUT:g} s")


def _end_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _ensure_tool(tool: str, packages: list[str]) -> None:
    if shutil.which(tool) is not None:
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise RuntimeError(f"{tool} is missing; install {' '.join(packages)}")
    subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages], check=True, capture_output=True
    )


def _java() -> str:
    return shutil.which("java") or "java"


def _output(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except OSError:
        return "missing"
    return (done.stdout + done.stderr).strip() or "unknown"


def make_scratch() -> Path:
    """A temporary folder for the peers' documents and stubs."""
    return Path(tempfile.mkdtemp(prefix="bench-peers-"))
