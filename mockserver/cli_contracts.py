"""The ``mockserver contracts`` commands: sync, check, validate, diff.

Each command is a thin wrapper over a function of :mod:`mockserver.contracts`
that returns a result; this module only parses options and prints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from mockserver.contracts import ContractSet, available_versions, contracts_root
from mockserver.contracts import sync as syncing
from mockserver.contracts.check import check as check_set
from mockserver.contracts.contract_set import load_contract_set
from mockserver.contracts.diff import diff as diff_sets
from mockserver.errors import MockserverError
from mockserver.validation import Violation, find_violations

_ROOT_OPTION = click.option(
    "--contracts",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder holding the contract sets (default: the installed ones).",
)


@click.group("contracts")
def contracts() -> None:
    """Sync, check and compare the contract sets, and validate documents."""


@contracts.command("sync")
@click.option("--prefect-version", "version", required=True, help="e.g. 3.9.1")
@click.option("--from-server", "server", metavar="API_URL", help="A running server.")
@click.option(
    "--from-file",
    "file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="An OpenAPI document saved to a file.",
)
@_ROOT_OPTION
def sync(
    version: str, server: str | None, file: Path | None, root: Path | None
) -> None:
    """Rebuild a contract set from Prefect's own OpenAPI document.

    Without --from-server or --from-file, installs prefect==VERSION into a
    throwaway environment (kept in .cache/ for the next run) and reads its
    document. Running it twice writes identical files.
    """
    folder = root or contracts_root()
    try:
        if server is not None:
            result = syncing.sync_from_server(version, folder, server)
        elif file is not None:
            result = syncing.sync_from_file(version, folder, file)
        else:
            result = syncing.sync_from_release(version, folder)
    except MockserverError as error:
        raise click.ClickException(str(error)) from error

    click.echo(f"prefect-{version}: upstream sha256 {result.upstream_sha256}")
    for name in result.written:
        click.echo(f"  wrote {name}")
    for name in result.removed:
        click.echo(f"  removed {name}")
    if not result.changed:
        click.echo("  already up to date")


@contracts.command("check")
@click.option("--prefect-version", "versions", multiple=True, help="Default: all.")
@_ROOT_OPTION
def check(versions: tuple[str, ...], root: Path | None) -> None:
    """Check contracts against the metaschema and their references."""
    failed = False
    for version in versions or tuple(available_versions(root)):
        problems = check_set(_load(version, root))
        click.echo(f"prefect-{version}: {len(problems)} problem(s)")
        for problem in problems:
            click.echo(f"  {problem}")
        failed = failed or bool(problems)
    if failed:
        sys.exit(1)


@contracts.command("validate")
@click.argument("operation")
@click.argument("file", type=click.File("rb"))
@click.option("--prefect-version", "version", default="3.9.1", show_default=True)
@click.option(
    "--response",
    "status",
    type=int,
    default=None,
    help="Validate against this response status instead of the request body.",
)
@_ROOT_OPTION
def validate(
    operation: str, file: Any, version: str, status: int | None, root: Path | None
) -> None:
    """Validate a JSON document against an operation's request or response.

    OPERATION is an operation name (create_flow_run_from_deployment) or any
    schema name the contract set knows (FlowRunResponse). FILE may be - for
    standard input. Prints every violation with its JSON path.
    """
    contract_set = _load(version, root)
    try:
        document = json.loads(file.read())
    except ValueError as error:
        raise click.ClickException(f"{file.name}: not JSON: {error}") from error

    name = _schema_name(contract_set, operation, status)
    try:
        validator = contract_set.validator_for(contract_set.schema(name))
    except MockserverError as error:
        raise click.ClickException(str(error)) from error

    violations = find_violations(validator, document, ())
    for violation in violations:
        click.echo(_render(violation))
    click.echo(f"{name}: {len(violations)} violation(s)")
    if violations:
        sys.exit(1)


@contracts.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--breaking-only", is_flag=True, help="Hide compatible changes.")
@_ROOT_OPTION
def diff(old: str, new: str, breaking_only: bool, root: Path | None) -> None:
    """List the changes from contract set OLD to NEW (versions or folders)."""
    changes = diff_sets(_load_any(old, root), _load_any(new, root))
    shown = [change for change in changes if change.breaking or not breaking_only]
    for change in shown:
        click.echo(str(change))
    breaking = sum(change.breaking for change in changes)
    click.echo(f"{len(changes)} change(s), {breaking} breaking")


def _schema_name(contract_set: ContractSet, name: str, status: int | None) -> str:
    if name not in contract_set.operations:
        return name
    return f"{name}.request" if status is None else f"{name}.response.{status}"


def _render(violation: Violation) -> str:
    path = "$" + "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}"
        for part in violation.location
    )
    return f"{path}: {violation.message} [{violation.kind}] (got {violation.input!r})"


def _load(version: str, root: Path | None) -> ContractSet:
    try:
        return load_contract_set(version, root=root)
    except MockserverError as error:
        raise click.ClickException(str(error)) from error


def _load_any(version_or_folder: str, root: Path | None) -> ContractSet:
    folder = Path(version_or_folder)
    if (folder / "manifest.json").is_file():
        version = folder.name.removeprefix("prefect-")
        return load_contract_set(version, root=folder.parent)
    return _load(version_or_folder, root)


__all__ = ["contracts"]
