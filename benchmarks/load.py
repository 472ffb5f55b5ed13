"""Drive one HTTP server with wrk and read back what it measured.

wrk runs a generated Lua script that counts the answers by status and, when
the run is done, prints one ``BENCH-JSON`` line: requests, duration, p50 and
p99 latency, socket errors and the status counts. Counting statuses costs
wrk a little for every answer, the same for every server measured, and tells
apart a server that answered 201 from one that answered 503.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Load", "LoadResult", "ensure_wrk", "run_load", "wrk_version"]

_MARK = "BENCH-JSON "

_SCRIPT = """
wrk.method = "{method}"
{body}
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {{}}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {{}}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local parts = {{}}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%d":%d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    '{mark}{{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"socket_errors":%d,"statuses":{{%s}}}}\\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
"""


@dataclass(frozen=True)
class Load:
    """One kind of request, sent again and again.

    :param url: the full URL.
    :param method: ``GET`` or ``POST``.
    :param body: the JSON body of a POST, as text.
    :param expected: the status classes that count as answered (``"2"``
        for any 2xx, ``"422"`` for exactly 422).
    """

    url: str
    method: str = "GET"
    body: str | None = None
    expected: tuple[str, ...] = ("2",)


@dataclass(frozen=True)
class LoadResult:
    """What wrk saw during one run."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    statuses: dict[int, int] = field(default_factory=dict)
    expected: tuple[str, ...] = ("2",)

    @property
    def answered(self) -> int:
        """Answers with an expected status."""
        return sum(
            count
            for status, count in self.statuses.items()
            if any(str(status).startswith(prefix) for prefix in self.expected)
        )

    @property
    def unexpected(self) -> int:
        """Answers with another status, plus requests lost to socket errors."""
        return self.requests - self.answered + self.socket_errors

    @property
    def rate(self) -> float:
        """Expected answers per second."""
        return self.answered / self.seconds if self.seconds else 0.0


def wrk_version() -> str:
    """Return wrk's version line, or ``"missing"``."""
    if shutil.which("wrk") is None:
        return "missing"
    found = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return (found.stdout + found.stderr).strip().splitlines()[0]


def ensure_wrk() -> str:
    """Return the path of wrk, installing Debian's package when missing.

    :raises RuntimeError: when wrk is missing and cannot be installed (not
        root, or no apt-get).
    """
    found = shutil.which("wrk")
    if found is not None:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise RuntimeError(
            "wrk is not installed; install it (Debian: apt-get install -y wrk)"
        )
    subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True
    )
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("apt-get installed wrk, but it is not on PATH")
    return found


def run_load(load: Load, *, connections: int, seconds: float) -> LoadResult:
    """Send ``load`` over ``connections`` keep-alive connections for ``seconds``.

    :raises RuntimeError: when wrk fails or prints no result.
    """
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        script = Path(folder) / "load.lua"
        script.write_text(_script(load))
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            load.url,
        ]
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60
        )
    for line in finished.stdout.splitlines():
        if line.startswith(_MARK):
            return _result(json.loads(line.removeprefix(_MARK)), load)
    raise RuntimeError(
        f"wrk printed no result for {load.method} {load.url}: "
        f"{finished.stdout[-500:]}{finished.stderr[-500:]}"
    )


def _script(load: Load) -> str:
    body = ""
    if load.body is not None:
        if "]==]" in load.body:
            raise ValueError("a body may not contain ']==]'")
        body = (
            'wrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = [==[{load.body}]==]"
        )
    return _SCRIPT.format(method=load.method, body=body, mark=_MARK)


def _result(figures: dict[str, Any], load: Load) -> LoadResult:
    return LoadResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        socket_errors=figures["socket_errors"],
        statuses={int(code): count for code, count in figures["statuses"].items()},
        expected=load.expected,
    )
