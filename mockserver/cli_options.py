"""Options shared by the ``mockserver`` commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from mockserver.contracts import available_versions

Command = TypeVar("Command", bound=Callable[..., Any])

DEFAULT_VERSION = "3.9.1"


def prefect_version_option(help: str) -> Callable[[Command], Command]:
    """Return the ``--prefect-version`` option, offering every contract set."""
    return click.option(
        "--prefect-version",
        "version",
        type=click.Choice(available_versions()),
        default=DEFAULT_VERSION,
        show_default=True,
        help=help,
    )


__all__ = ["DEFAULT_VERSION", "prefect_version_option"]
