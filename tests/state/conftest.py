"""Fixtures for the state layer's specification."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.contracts import load_contract_set
from mockserver.state import StatefulResponder

from .support import Api, ApiFactory, Clock


@pytest.fixture
def clock() -> Clock:
    """A frozen clock at :data:`START`."""
    return Clock()


@pytest.fixture
def make_api(clock: Clock) -> ApiFactory:
    """Build an :class:`Api` over a fresh responder; keywords go to the responder."""

    def make(version: str = "3.9.1", **options: Any) -> Api:
        options.setdefault("clock", clock)
        responder = StatefulResponder(version, **options)
        return Api(responder, load_contract_set(version))

    return make


@pytest.fixture
def api(make_api: ApiFactory) -> Api:
    """An :class:`Api` over a Prefect 3.9.1 responder whose runs stay put."""
    return make_api("3.9.1")


@pytest.fixture(params=["3.9.1", "2.14.16"])
def any_api(request: pytest.FixtureRequest, make_api: ApiFactory) -> Api:
    """An :class:`Api` for each supported version in turn."""
    return make_api(request.param)
