from __future__ import annotations

from collections.abc import Callable

import flask
import pytest
from flask.testing import FlaskClient

from mockserver.app import create_app
from mockserver.contracts import ContractSet, available_versions, load_contract_set
from mockserver.exchange import Call, Reply


class FixedResponder:
    """A responder that answers every call with one reply and keeps the calls."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.calls: list[Call] = []

    def respond(self, call: Call) -> Reply:
        self.calls.append(call)
        return self.reply


class FailingResponder:
    """A responder whose every answer raises, as a defective one would."""

    def respond(self, call: Call) -> Reply:
        raise RuntimeError(f"no answer for {call.operation}")


@pytest.fixture(scope="session", params=available_versions())
def any_contract_set(request: pytest.FixtureRequest) -> ContractSet:
    """Every contract set there is, one after the other."""
    return load_contract_set(request.param)


@pytest.fixture(scope="session")
def contract_set() -> ContractSet:
    return load_contract_set("3.9.1")


@pytest.fixture(scope="session")
def app_for() -> Callable[[str], flask.Flask]:
    """Return one application per contract set, answering every call with 200."""
    apps: dict[str, flask.Flask] = {}

    def app(version: str) -> flask.Flask:
        if version not in apps:
            responder = FixedResponder(Reply(200, None))
            apps[version] = create_app(version, responder=responder)
        return apps[version]

    return app


@pytest.fixture
def responder() -> FixedResponder:
    return FixedResponder(Reply(200, {"answered": True}))


@pytest.fixture
def app(responder: FixedResponder) -> flask.Flask:
    return create_app("3.9.1", responder=responder)


@pytest.fixture
def client(app: flask.Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def failing_app() -> flask.Flask:
    return create_app("3.9.1", responder=FailingResponder())


@pytest.fixture(scope="session")
def make_responder() -> Callable[[Reply], FixedResponder]:
    """Return a factory of responders that answer one fixed reply."""
    return FixedResponder
