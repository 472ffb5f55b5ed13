"""The fixture generators mockserver's is compared with, and how each is run.

The peers read no registry of documents, so each draws from one schema of
the contract set bundled by :func:`bundle` into a single self-contained
document (every ``$ref`` points into its own ``$defs``). Each runs in a
process of its own that times its draws and writes the instances for Python
to check (:class:`CommandPeer`):

- ``jsf`` (PyPI): ``JSF(schema).generate()``, one instance a call, seeded
  through ``random`` and Faker as far as jsf allows;
- ``json-schema-faker`` (npm): ``createGeneratorSync`` in Node, running
  ``benchmarks/json_schema_faker.mjs``;
- ``hypothesis-jsonschema`` (PyPI): ``from_schema`` drawn by a ``@given``
  loop (generate phase only, no example database).

The two Python peers run ``benchmarks/python_peer.py`` in an environment of
their own, ``.cache/bench-peers/python-venv``, filled by pip from
``benchmarks/generation-peers.txt``: hypothesis-jsonschema needs an older
hypothesis than the project's tests. json-schema-faker is installed with npm
into ``.cache/bench-peers/json-schema-faker``, a folder of its own: Prism,
installed into ``.cache/bench-peers``, brings an older json-schema-faker
that must not stand in for it. A peer that cannot be installed or run is
left out, with the reason.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from subjects import PEERS_DIR, _ensure_tool

from mockserver.contracts import ContractSet

__all__ = [
    "BUDGET_SECONDS",
    "PEERS",
    "CommandPeer",
    "Draw",
    "Generator",
    "bundle",
    "ensure_peers",
    "make_peer",
]

PEERS = ("jsf", "json-schema-faker", "hypothesis-jsonschema")
PYTHON_PEERS = ("jsf", "hypothesis-jsonschema")
BUDGET_SECONDS = 5.0
"""A peer drawing one by one stops after this long: its rate counts what it drew."""

FAKER_PACKAGE = "json-schema-faker@0.6"
FAKER_PREFIX = PEERS_DIR / "json-schema-faker"
FAKER_DIR = FAKER_PREFIX / "node_modules" / "json-schema-faker"
FAKER_SCRIPT = Path(__file__).with_name("json_schema_faker.mjs")
REQUIREMENTS = Path(__file__).with_name("generation-peers.txt")
PYTHON_VENV = PEERS_DIR / "python-venv"
PYTHON = PYTHON_VENV / "bin" / "python"
PYTHON_SCRIPT = Path(__file__).with_name("python_peer.py")
_SHARES = {"hypothesis-jsonschema": 0.05}
"""hypothesis-jsonschema draws about a hundredth as fast: a round stays short."""
_DEFS = "#/$defs/"
_REFERENCE = re.compile(r'"\$ref": "([^"]*)"')


@dataclass(frozen=True)
class Draw:
    """What one generator drew in one round.

    :param instances: the instances drawn.
    :param failed: draws that raised instead of giving an instance.
    :param seconds: wall-clock seconds of the draws.
    :param cpu_seconds: the drawing process's CPU seconds of the draws, for
        the generators that measure them.
    :param error: the first error raised, if any.
    """

    instances: list[Any]
    failed: int
    seconds: float
    cpu_seconds: float | None = None
    error: str = ""

    @property
    def attempted(self) -> int:
        return len(self.instances) + self.failed

    @property
    def rate(self) -> float:
        """Instances drawn per wall-clock second."""
        return len(self.instances) / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_rate(self) -> float | None:
        """Instances drawn per CPU second of the drawing process, if measured."""
        if not self.cpu_seconds:
            return None
        return len(self.instances) / self.cpu_seconds


class Generator:
    """One generator, set up for one schema outside the timing.

    ``share`` is the part of a round's count this generator is asked for.
    """

    name = ""
    share = 1.0

    def draw(self, count: int, seed: int) -> Draw:
        raise NotImplementedError


def bundle(contract_set: ContractSet, name: str) -> dict[str, Any]:
    """Return component ``name`` as one document holding every schema it uses.

    The document is a copy: it shares nothing with the contract set.

    :raises ValueError: on a reference that points outside the document.
    """
    components = contract_set.components
    definitions = components["$defs"]
    used = {name} | contract_set.reached(definitions[name])
    document = {
        "$schema": components["$schema"],
        **definitions[name],
        "$defs": {key: definitions[key] for key in sorted(used)},
    }
    for reference in _REFERENCE.findall(json.dumps(document)):
        if not reference.startswith(_DEFS):
            raise ValueError(f"cannot bundle the reference {reference!r}")
    return copy.deepcopy(document)


class CommandPeer(Generator):
    """A peer drawing in a process of its own, which times its draws.

    The command gets four more arguments: the count, the seed, the budget in
    seconds and a file for the instances, one JSON document a line. The last
    line it prints is a JSON object of figures: ``seconds`` and ``failed``,
    and ``cpu_seconds``, ``error`` and ``version`` where the peer gives them.

    Set-up draws one instance, outside any timing, to learn that the peer
    runs and reads the schema, and which version it is.

    :param label: the peer's name, without its version.
    :param command: the command, up to and including the schema file.
    :param folder: a scratch folder for the instances.
    :param version: the peer's version, when its figures leave it out.
    :raises RuntimeError: when the command fails at set-up.
    """

    def __init__(
        self,
        label: str,
        command: list[str],
        folder: Path,
        *,
        version: str = "",
        share: float = 1.0,
    ) -> None:
        self.command = command
        self.folder = folder
        self.output = folder / f"{label}.jsonl"
        self.share = share
        figures = self._run(1, 0)[1]
        self.name = f"{label} {figures.get('version', version)}"

    def draw(self, count: int, seed: int) -> Draw:
        try:
            return self._run(count, seed)[0]
        except RuntimeError as exc:
            return Draw([], count, 0.0, error=str(exc))

    def _run(self, count: int, seed: int) -> tuple[Draw, dict[str, Any]]:
        """Run the command once; raise ``RuntimeError`` when it fails."""
        arguments = [str(value) for value in (count, seed, BUDGET_SECONDS)]
        try:
            done = subprocess.run(
                [*self.command, *arguments, str(self.output)],
                cwd=self.folder,
                capture_output=True,
                text=True,
                timeout=BUDGET_SECONDS * 4 + 60,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise RuntimeError(repr(exc)) from exc
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip()[-500:])

        figures = json.loads(done.stdout.splitlines()[-1])
        lines = self.output.read_text().splitlines()
        drawn = Draw(
            [json.loads(line) for line in lines],
            figures["failed"],
            figures["seconds"],
            figures.get("cpu_seconds"),
            figures.get("error", ""),
        )
        return drawn, figures


def make_peer(name: str, schema: dict[str, Any], folder: Path) -> Generator:
    """Set up peer ``name`` for a bundled schema.

    :param folder: a scratch folder of this schema's, for the files the
        peers read and write.
    :raises RuntimeError: when the peer cannot run or read the schema.
    """
    schema_file = folder / "schema.json"
    schema_file.write_text(json.dumps(schema))
    if name == "json-schema-faker":
        manifest = json.loads((FAKER_DIR / "package.json").read_text())
        command = ["node", str(FAKER_SCRIPT), str(FAKER_DIR), str(schema_file)]
        return CommandPeer(name, command, folder, version=manifest["version"])

    # Isolated (-I): the benchmarks' folder is not put on the peer's path.
    command = [str(PYTHON), "-I", str(PYTHON_SCRIPT), name, str(schema_file)]
    return CommandPeer(name, command, folder, share=_SHARES.get(name, 1.0))


def ensure_peers(names: list[str]) -> dict[str, str]:
    """Install the chosen peers that are missing; return why any is left out."""
    skipped: dict[str, str] = {}
    python = [name for name in names if name in PYTHON_PEERS]
    if python:
        failure = _ensure_python_peers()
        if failure:
            skipped.update(dict.fromkeys(python, failure))
    if "json-schema-faker" in names and not FAKER_DIR.exists():
        skipped.update(_install_faker())
    return skipped


def _ensure_python_peers() -> str:
    """Make the Python peers' environment unless it is up to date; say why not."""
    wanted = REQUIREMENTS.read_text()
    installed = PYTHON_VENV / REQUIREMENTS.name
    if PYTHON.exists() and installed.exists() and installed.read_text() == wanted:
        return ""

    # Made afresh, so that a requirement taken out of the file goes as well.
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(PYTHON_VENV)],
        [str(PYTHON), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)],
    ]
    for step in steps:
        try:
            subprocess.run(
                step, check=True, capture_output=True, text=True, timeout=600
            )
        except subprocess.CalledProcessError as exc:
            return f"not installed, {step[2]} failed: {exc.stderr.strip()[-500:]}"
        except (OSError, subprocess.SubprocessError) as exc:
            return f"not installed, {step[2]} failed: {exc!r}"
    installed.write_text(wanted)
    return ""


def _install_faker() -> dict[str, str]:
    install = ["npm", "install", "--no-audit", "--no-fund", "--prefix"]
    try:
        _ensure_tool("npm", ["nodejs", "npm"])
        FAKER_PREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [*install, str(FAKER_PREFIX), FAKER_PACKAGE],
            cwd=FAKER_PREFIX,
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        return {"json-schema-faker": f"not installed, and npm failed: {exc}"}
    return {}
