"""Contracts: what a real Prefect server accepts and answers, per version.

A *contract set* holds one *contract* (a JSON Schema document) per
*operation*. It is extracted from Prefect's published OpenAPI document
(:mod:`.extract`), corrected where the real server differs
(:mod:`.corrections`), written to ``contracts/prefect-VERSION/`` by
:mod:`.sync`, and loaded with compiled validators by :func:`load_contract_set`.
Nothing here knows about HTTP frameworks.
"""

from __future__ import annotations

from mockserver.contracts.contract_set import (
    FORMAT_CHECKER,
    ContractSet,
    Operation,
    load_contract_set,
)
from mockserver.contracts.layout import available_versions, contracts_root

__all__ = [
    "FORMAT_CHECKER",
    "ContractSet",
    "Operation",
    "available_versions",
    "contracts_root",
    "load_contract_set",
]
