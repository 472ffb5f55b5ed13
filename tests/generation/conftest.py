"""Fixtures for the generation layer's specification."""

from __future__ import annotations

import pytest

from mockserver.contracts import ContractSet, load_contract_set
from mockserver.generation import InstanceGenerator


@pytest.fixture(scope="session")
def contract_sets() -> dict[str, ContractSet]:
    """Both contract sets, by Prefect version."""
    return {version: load_contract_set(version) for version in ("3.9.1", "2.14.16")}


@pytest.fixture(scope="session")
def generators(contract_sets: dict[str, ContractSet]) -> dict[str, InstanceGenerator]:
    """One instance generator per contract set, shared so schemas compile once."""
    return {
        version: InstanceGenerator(contract_set.registry)
        for version, contract_set in contract_sets.items()
    }


@pytest.fixture(scope="session")
def contracts_391(contract_sets: dict[str, ContractSet]) -> ContractSet:
    """The Prefect 3.9.1 contract set."""
    return contract_sets["3.9.1"]


@pytest.fixture(scope="session")
def generator_391(generators: dict[str, InstanceGenerator]) -> InstanceGenerator:
    """The instance generator of the Prefect 3.9.1 contract set."""
    return generators["3.9.1"]
