"""mockserver: a mock server, contract checker and fixture generator for Prefect.

The names below are the public surface; everything else is private and may
change. The core names import nothing heavy; the HTTP, test and conformance
ones load their modules on first use, so ``import mockserver`` stays cheap::

    >>> from mockserver import create_app, load_contract_set
    >>> app = create_app("3.9.1")
"""

from __future__ import annotations

import importlib
from typing import Any

from mockserver.contracts import (
    ContractSet,
    Operation,
    available_versions,
    load_contract_set,
)
from mockserver.errors import (
    ConformanceError,
    ContractError,
    FaultError,
    GenerationError,
    MockserverError,
    OperationRefused,
    RecordingError,
    ReferenceServerError,
    ServerFailure,
    SyncError,
    UnknownOperation,
    UnknownSchema,
    UnknownVersion,
)
from mockserver.exchange import Call, Reply, Responder
from mockserver.validation import Rejected, Violation, parse_call, reply_violations

_LAZY = {
    "create_app": "mockserver.app",
    "create_service": "mockserver.app",
    "MockService": "mockserver.app",
    "journal_of": "mockserver.app",
    "ServerThread": "mockserver.serve",
    "StatefulResponder": "mockserver.state",
    "PlaybackResponder": "mockserver.recording",
    "GeneratingResponder": "mockserver.generation.responder",
    "InstanceGenerator": "mockserver.generation",
    "generate": "mockserver.fixtures",
    "flow_graph": "mockserver.fixtures",
    "FixtureSet": "mockserver.fixtures",
    "PrefectMock": "mockserver.plugin",
    "verify": "mockserver.conformance",
    "assert_conforms": "mockserver.conformance",
    "ReferenceServer": "mockserver.reference",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "Call",
    "ConformanceError",
    "ContractError",
    "ContractSet",
    "FaultError",
    "FixtureSet",
    "GeneratingResponder",
    "GenerationError",
    "InstanceGenerator",
    "MockService",
    "MockserverError",
    "Operation",
    "OperationRefused",
    "PlaybackResponder",
    "PrefectMock",
    "RecordingError",
    "ReferenceServer",
    "ReferenceServerError",
    "Rejected",
    "Reply",
    "Responder",
    "ServerFailure",
    "ServerThread",
    "StatefulResponder",
    "SyncError",
    "UnknownOperation",
    "UnknownSchema",
    "UnknownVersion",
    "Violation",
    "assert_conforms",
    "available_versions",
    "create_app",
    "create_service",
    "flow_graph",
    "generate",
    "journal_of",
    "load_contract_set",
    "parse_call",
    "reply_violations",
    "verify",
]
