"""The ``mockserver`` command line."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from mockserver.cli import configure_logging, main
from mockserver.contracts import available_versions


@pytest.fixture
def restore_logger() -> Iterator[None]:
    """Undo what ``configure_logging`` does to the ``mockserver`` logger."""
    logger = logging.getLogger("mockserver")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_serve_is_listed_in_the_help() -> None:
    result = CliRunner().invoke(main, ["--help"])

    assert result.exit_code == 0
    assert "serve" in result.output


def test_serve_offers_every_contract_set_as_a_version() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])

    assert result.exit_code == 0
    for version in available_versions():
        assert version in result.output


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["--prefect-version", "1.0"], "'1.0' is not one of"),
        (["--lifecycle", "explode"], "'explode' is not one of"),
        (["--mode", "dance"], "'dance' is not"),
        (["--port", "70000"], "70000 is not in the range"),
        (["--log-level", "loud"], "'loud' is not one of"),
    ],
    ids=["version", "lifecycle", "mode", "port", "log-level"],
)
def test_serve_rejects_an_unknown_choice(arguments: list[str], complaint: str) -> None:
    result = CliRunner().invoke(main, ["serve", *arguments])

    assert result.exit_code == 2
    assert complaint in result.output


@pytest.mark.usefixtures("restore_logger")
def test_serving_on_a_busy_port_fails_with_a_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = CliRunner().invoke(main, ["serve", "--port", str(port)])

    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


@pytest.mark.usefixtures("restore_logger")
@pytest.mark.parametrize(
    ("level", "expected"),
    [("debug", logging.DEBUG), ("info", logging.INFO), ("error", logging.ERROR)],
    ids=["debug", "info", "error"],
)
def test_logging_is_configured_once_at_the_chosen_level(
    level: str, expected: int
) -> None:
    configure_logging(level)
    configure_logging(level)

    logger = logging.getLogger("mockserver")
    assert logger.level == expected
    assert len(logger.handlers) == 1
