"""The ``mockserver record`` command: a recording proxy in front of a real server.

Clients talk to the proxy as to the real server; every exchange is written
to the output directory as one recording, and every disagreement with the
contract set is logged as drift and listed in a summary when the proxy
stops (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

import click

from mockserver.cli_options import prefect_version_option
from mockserver.contracts import load_contract_set
from mockserver.errors import MockserverError
from mockserver.recording import Recorder

_log = logging.getLogger("mockserver")

LOG_LEVELS = ("debug", "info", "warning", "error")


def _target_url(context: click.Context, parameter: click.Parameter, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(
            f"{value!r} is not an http(s) URL such as http://127.0.0.1:4200/api"
        )
    return value.rstrip("/")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM stops the proxy the way Ctrl-C does, so the summary is printed.
    raise KeyboardInterrupt


@click.command("record")
@click.option(
    "--target",
    required=True,
    metavar="URL",
    callback=_target_url,
    help="The real server's API root, e.g. http://127.0.0.1:4200/api.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    default=4200,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port; 0 picks a free one.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("recordings"),
    show_default=True,
    help="Directory the recordings are written to (created if missing).",
)
@prefect_version_option("The contract set traffic is checked against.")
@click.option(
    "--log-level", type=click.Choice(LOG_LEVELS), default="info", show_default=True
)
def record(
    target: str, host: str, port: int, out: Path, version: str, log_level: str
) -> None:
    """Record traffic to a real Prefect server at TARGET, reporting drift."""
    # Imported here: mockserver.cli imports this module to register the command.
    from mockserver.cli import configure_logging
    from mockserver.record_proxy import create_record_app
    from mockserver.serve import serve

    configure_logging(log_level)
    try:
        recorder = Recorder(target, out, load_contract_set(version))
    except (MockserverError, OSError) as error:
        raise click.ClickException(str(error)) from error
    _log.info("recording traffic to %s in %s", target, out)

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        serve(create_record_app(recorder), host=host, port=port)
    except KeyboardInterrupt:
        pass
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {error}"
        ) from error
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(recorder.report.summary())


__all__ = ["record"]
