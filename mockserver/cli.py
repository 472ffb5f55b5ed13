"""The ``mockserver`` command line.

Commands are thin: they parse options, call a function of the package and
report through click. Logging handlers are attached here and nowhere else,
so that importing mockserver never prints anything.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import ClassVar

import click

from mockserver.cli_options import prefect_version_option
from mockserver.errors import MockserverError
from mockserver.exchange import Responder
from mockserver.state import LIFECYCLES, Lifecycle

LOG_LEVELS = ("debug", "info", "warning", "error")
MODES = ("stateful", "playback", "generate")


def configure_logging(level: str) -> None:
    """Send the ``mockserver`` logger's records at ``level`` and above to stderr."""
    logger = logging.getLogger("mockserver")
    logger.setLevel(level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
        )
        logger.addHandler(handler)


class _Commands(click.Group):
    """A group whose other commands load their modules only when used.

    ``mockserver serve`` should start fast; ``verify`` alone brings in
    Schemathesis and Hypothesis.
    """

    modules: ClassVar[dict[str, str]] = {
        "contracts": "mockserver.cli_contracts",
        "fixtures": "mockserver.cli_fixtures",
        "record": "mockserver.cli_record",
        "verify": "mockserver.cli_verify",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.modules})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = self.modules.get(name)
        if module is None:
            return super().get_command(ctx, name)
        command: click.Command = getattr(importlib.import_module(module), name)
        return command


@click.group(cls=_Commands)
@click.version_option(package_name="mockserver")
def main() -> None:
    """A mock of the Prefect server's deployment API, checked against its contracts."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    default=4200,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port; 0 picks a free one.",
)
@prefect_version_option("Which Prefect release to imitate.")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="stateful",
    show_default=True,
    help="How calls are answered: stateful keeps flows, deployments and runs; "
    "playback answers from recordings; generate answers with data generated "
    "from the contracts.",
)
@click.option(
    "--fixtures",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Folder of recordings to answer from (with --mode playback).",
)
@click.option(
    "--placeholders",
    is_flag=True,
    help="In playback, let any id or timestamp match any other of its kind.",
)
@click.option("--seed", default=0, show_default=True, help="Seed of ids and names.")
@click.option(
    "--lifecycle",
    type=click.Choice(LIFECYCLES),
    default="hold",
    show_default=True,
    help="What new flow runs do: stay scheduled, complete, or fail.",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS),
    default="info",
    show_default=True,
)
@click.option(
    "--max-body-size",
    type=click.IntRange(min=1),
    default=None,
    show_default="10 MiB",
    help="Largest request body in bytes; a larger one answers 413.",
)
@click.option(
    "--faults",
    "faults_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="JSON file of fault rules in force from the start (latency, status, "
    "dropped connections); change them at /__mock/faults.",
)
@click.option(
    "--control-token",
    envvar="MOCKSERVER_CONTROL_TOKEN",
    default=None,
    help="Token the control API and dashboard under /__mock ask for "
    "(Authorization: Bearer TOKEN); without one they are open.",
)
@click.option(
    "--server",
    type=click.Choice(["httptools", "waitress", "granian"]),
    default="httptools",
    show_default=True,
    help="HTTP server to answer on: an event loop (httptools), a thread per "
    "request (waitress), or granian (pip install 'mockserver[fast]'), which "
    "answers 500 where a fault rule drops the connection.",
)
@click.option(
    "--journal-size",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="How many requests the journal at /__mock/requests keeps.",
)
def serve(
    host: str,
    port: int,
    version: str,
    mode: str,
    fixtures: Path | None,
    placeholders: bool,
    seed: int,
    lifecycle: Lifecycle,
    log_level: str,
    max_body_size: int | None,
    faults_file: Path | None,
    control_token: str | None,
    server: str,
    journal_size: int,
) -> None:
    """Serve the Prefect API at http://HOST:PORT/api until interrupted."""
    # Imported here so that commands which serve nothing skip loading them.
    from mockserver.app import MAX_BODY_SIZE, create_service
    from mockserver.operator import FaultPlan
    from mockserver.serve import require_server
    from mockserver.serve import serve as run

    try:
        require_server(server)
    except ImportError as error:
        raise click.UsageError(str(error)) from error
    configure_logging(log_level)
    responder = _responder(mode, version, fixtures, placeholders, seed)
    try:
        faults = FaultPlan.load(faults_file) if faults_file is not None else None
        service = create_service(
            version,
            responder=responder,
            seed=seed,
            lifecycle=lifecycle,
            max_body_size=max_body_size or MAX_BODY_SIZE,
            faults=faults,
            control_token=control_token,
            journal_size=journal_size,
        )
        run(service, host=host, port=port, server=server)
    except MockserverError as error:
        raise click.ClickException(str(error)) from error
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {error}"
        ) from error


def _responder(
    mode: str, version: str, fixtures: Path | None, placeholders: bool, seed: int
) -> Responder | None:
    if mode == "stateful":
        return None
    if mode == "generate":
        from mockserver.generation.responder import GeneratingResponder

        return GeneratingResponder(version, seed=seed)
    if fixtures is None:
        raise click.UsageError("--mode playback needs --fixtures DIR")
    from mockserver.recording import PlaybackResponder

    return PlaybackResponder(fixtures, version, placeholders=placeholders)


__all__ = ["configure_logging", "main"]
