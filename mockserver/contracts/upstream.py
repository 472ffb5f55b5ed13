"""Obtain Prefect's own OpenAPI document, the input of every contract sync.

Two sources are supported: a Prefect release installed into a throwaway
virtual environment (cached between runs), or a running server's
``/api/openapi.json``. Nothing here imports Prefect into this process: the
mock must never need it at run time.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
import venv
from pathlib import Path
from typing import Any

from mockserver.errors import SyncError

OFFLINE_ENVIRONMENT = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_UI_ENABLED": "false",
}
"""Settings that keep a Prefect process from reaching beyond this machine."""

_DUMP_SCRIPT = """
import json, sys
from prefect.server.api.server import create_app
json.dump(create_app(ephemeral=True).openapi(), sys.stdout)
"""


def default_cache_dir() -> Path:
    """Return where throwaway Prefect environments are kept between runs."""
    configured = os.environ.get("MOCKSERVER_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path.cwd() / ".cache"


def pins_file(version: str, contracts_dir: Path) -> Path | None:
    """Return the dependency pins a Prefect release needs, if it has any."""
    candidate = contracts_dir / f"prefect-{version}" / "pins.txt"
    return candidate if candidate.is_file() else None


def install_prefect(
    version: str,
    *,
    cache_dir: Path | None = None,
    pins: Path | None = None,
) -> Path:
    """Install ``prefect==version`` into a cached virtual environment.

    Returns the environment's Python interpreter. A second call for the same
    version reuses the environment without touching the network.

    :raises SyncError: when the installation fails; pip's output is attached.
    """
    root = (cache_dir or default_cache_dir()) / f"prefect-{version}"
    python = root / "bin" / "python"
    marker = root / ".installed"
    if marker.is_file() and python.is_file():
        return python

    venv.EnvBuilder(with_pip=True, clear=True).create(root)
    command = [str(python), "-m", "pip", "install", "--quiet", f"prefect=={version}"]
    if pins is not None:
        command += ["--constraint", str(pins)]
    _run(command, what=f"installing prefect=={version}")

    marker.write_text(version)
    return python


def prefect_executable(python: Path) -> Path:
    """Return the ``prefect`` command that belongs to an interpreter."""
    return python.parent / "prefect"


def installed_version(python: Path) -> str | None:
    """Return the Prefect version importable by ``python``, or ``None``."""
    script = "import prefect; print(prefect.__version__)"
    result = subprocess.run(
        [str(python), "-c", script], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else None


def document_from_release(python: Path) -> dict[str, Any]:
    """Build the OpenAPI document of the Prefect installed for ``python``."""
    output = _run([str(python), "-c", _DUMP_SCRIPT], what="dumping the document")
    document: dict[str, Any] = json.loads(output)
    return document


def document_from_server(api_url: str, *, timeout: float = 30.0) -> dict[str, Any]:
    """Fetch the OpenAPI document a running server publishes.

    :param api_url: the server's API root, for example ``http://127.0.0.1:4200/api``.
    :raises SyncError: when the server cannot be reached or answers non-JSON.
    """
    url = api_url.rstrip("/") + "/openapi.json"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            document: dict[str, Any] = json.load(response)
    except (OSError, ValueError) as error:
        raise SyncError(
            f"cannot read the OpenAPI document at {url!r}: {error}"
        ) from error
    return document


def server_version(api_url: str, *, timeout: float = 30.0) -> str:
    """Return the Prefect version a running server reports at ``/admin/version``."""
    url = api_url.rstrip("/") + "/admin/version"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            version = json.load(response)
    except (OSError, ValueError) as error:
        raise SyncError(f"cannot read the version at {url!r}: {error}") from error
    if not isinstance(version, str):
        raise SyncError(f"{url!r} answered {version!r}, not a version string")
    return version


def _run(command: list[str], *, what: str) -> str:
    environment = {**os.environ, **OFFLINE_ENVIRONMENT}
    result = subprocess.run(
        command, capture_output=True, text=True, env=environment, check=False
    )
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip()[-2000:]
        raise SyncError(f"{what} failed (exit {result.returncode}):\n{tail}")
    return result.stdout


__all__ = [
    "OFFLINE_ENVIRONMENT",
    "default_cache_dir",
    "document_from_release",
    "document_from_server",
    "install_prefect",
    "installed_version",
    "pins_file",
    "prefect_executable",
    "server_version",
]
